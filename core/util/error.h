// The error type of Danka's engine: a message for the user that says what failed and where (file, line,
// field). Thrown inside core, caught at the job and command boundaries, shown by the CLI and the studio.
#pragma once

#include <stdexcept>
#include <string>

namespace danka::core {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace danka::core
