// Text helpers against hand-computed values.
#include <QtTest>

#include "core/util/text_util.h"

using namespace danka::core;

class TestTextUtil : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void editDistance_data()
    {
        QTest::addColumn<QString>("a");
        QTest::addColumn<QString>("b");
        QTest::addColumn<int>("distance");
        QTest::newRow("equal") << "abc" << "abc" << 0;
        QTest::newRow("kitten") << "kitten" << "sitting" << 3;
        QTest::newRow("transposition") << "learnign" << "learning" << 1;
        QTest::newRow("deletion") << "learnig_rate" << "learning_rate" << 1;
        QTest::newRow("empty") << "" << "abc" << 3;
    }
    void editDistance()
    {
        QFETCH(QString, a);
        QFETCH(QString, b);
        QFETCH(int, distance);
        QCOMPARE(danka::core::editDistance(a.toStdString(), b.toStdString()), distance);
        QCOMPARE(danka::core::editDistance(b.toStdString(), a.toStdString()), distance);
    }

    void closestMatchOnlySuggestsPlausibleTypos()
    {
        const std::vector<std::string> keys = {"learning_rate", "beta1", "beta2", "eps"};
        QCOMPARE(closestMatch("learnig_rate", keys), std::string("learning_rate"));
        QCOMPARE(closestMatch("beta3", keys), std::string("beta1"));
        QCOMPARE(closestMatch("lr", keys), std::string());  // two edits from "eps", but too short to guess
        QCOMPARE(closestMatch("momentum", keys), std::string());
    }

    void formatting()
    {
        QCOMPARE(formatNumber(-1), std::string("-1"));
        QCOMPARE(formatNumber(0.5), std::string("0.5"));
        QCOMPARE(formatNumber(1e-8), std::string("1e-08"));
        QCOMPARE(formatNumber(NAN), std::string("nan"));
        QCOMPARE(formatDuration(42), std::string("42s"));
        QCOMPARE(formatDuration(185), std::string("3m05s"));
        QCOMPARE(formatDuration(7440), std::string("2h04m"));
        QCOMPARE(formatBytes(1536), std::string("1.5 KiB"));
        QCOMPARE(formatCount(25829888), std::string("25.8M"));
        QCOMPARE(formatCount(1291958272), std::string("1.29B"));
    }

    void displayWidthCountsWideCharactersTwice()
    {
        QCOMPARE(displayWidth("abc"), 3);
        QCOMPARE(displayWidth("预训练"), 6);
        QCOMPARE(displayWidth("run 一"), 6);
        QCOMPARE(displayWidth("ＡＢ"), 4);  // full-width Latin
    }
};

QTEST_GUILESS_MAIN(TestTextUtil)
#include "tst_text_util.moc"
