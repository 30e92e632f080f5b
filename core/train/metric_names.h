// What the metrics a run logs are called: "train/loss" is the training loss. The names stay the store's
// keys (and danka-cli's); titles are for people, in the interface language (core/util/translate.h).
#pragma once

#include <string>

namespace danka::core {

// "train/loss" -> "training loss"; a metric Danka does not know keeps its name.
std::string metricTitle(const std::string &name);

}  // namespace danka::core
