// Where Danka's shipped resources (the demo corpus) are: $DANKA_RESOURCES, else the source tree this binary
// was built from, else <prefix>/share/danka/resources next to an installed binary.
#pragma once

#include <string>

namespace danka::core {

// The resources folder; throws core::Error listing the places it looked when none exists.
std::string resourcesDir();
// resourcesDir()/demo/<name>
std::string demoFile(const std::string &name);

}  // namespace danka::core
