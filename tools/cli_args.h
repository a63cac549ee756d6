#pragma once

// Command-line parsing shared by the subcommands: options are "--name VALUE" or
// "--name=VALUE", flags are "--name", anything else is a positional argument.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace faisslike::tools {

/// A mistake in the command line: reported with a pointer to the help, exit code 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class ArgParser {
   public:
    explicit ArgParser(std::vector<std::string> args) : args_(std::move(args)) {}

    /// Moves to the next argument; false at the end.
    bool next();

    /// True when the current argument is an option or flag ("--x", "--x=v", "-h").
    bool is_option() const;
    /// The option's name without its value ("--k" for "--k=5").
    const std::string& name() const { return name_; }
    /// The current argument, as given.
    const std::string& arg() const { return args_[pos_]; }

    /// The option's value: after '=' or the next argument.
    std::string value();
    /// Throws if a flag was given a value.
    void no_value() const;

   private:
    std::vector<std::string> args_;
    size_t pos_ = 0;
    bool started_ = false;
    std::string name_;
    bool has_inline_value_ = false;
    std::string inline_value_;
};

/// An integer in [min, max]; the whole string must be a number.
int64_t parse_int(const std::string& text, const std::string& option, int64_t min, int64_t max);

} // namespace faisslike::tools
