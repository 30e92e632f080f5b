// The screenshots of the README and docs/screenshots/: every page of the studio on a real workspace (the
// demo runs), driven through the pages' public API and grabbed with QWidget::grab. `danka --screenshots DIR`.
#pragma once

#include <QString>
#include <QStringList>

namespace danka::ui {

class MainWindow;

// Shows each page with real content and writes DIR/<page>-<suffix>.png. Returns the files written; `error`
// gets what could not be shown (the tour goes on with the other pages).
QStringList takeScreenshots(MainWindow &window, const QString &dir, const QString &suffix, QString *error = nullptr);

}  // namespace danka::ui
