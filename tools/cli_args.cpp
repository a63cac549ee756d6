#include "cli_args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace faisslike::tools {

bool ArgParser::next() {
    if (started_) {
        pos_++;
    }
    started_ = true;
    if (pos_ >= args_.size()) {
        return false;
    }
    const std::string& a = args_[pos_];
    has_inline_value_ = false;
    name_.clear();
    if (is_option()) {
        size_t eq = a.find('=');
        if (eq != std::string::npos) {
            name_ = a.substr(0, eq);
            inline_value_ = a.substr(eq + 1);
            has_inline_value_ = true;
        } else {
            name_ = a;
        }
    }
    return true;
}

bool ArgParser::is_option() const {
    const std::string& a = args_[pos_];
    return a.size() > 1 && a[0] == '-';
}

std::string ArgParser::value() {
    if (has_inline_value_) {
        return inline_value_;
    }
    if (pos_ + 1 >= args_.size()) {
        throw UsageError("option " + name_ + " needs a value");
    }
    return args_[++pos_];
}

void ArgParser::no_value() const {
    if (has_inline_value_) {
        throw UsageError("option " + name_ + " takes no value");
    }
}

int64_t parse_int(const std::string& text, const std::string& option, int64_t min, int64_t max) {
    const char* begin = text.c_str();
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(begin, &end, 10);
    bool starts_ok =
            !text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-');
    if (!starts_ok || *end != '\0' || errno == ERANGE) {
        throw UsageError(option + " expects an integer, got '" + text + "'");
    }
    if (v < min || v > max) {
        throw UsageError(
                option + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                ", got " + text);
    }
    return v;
}

} // namespace faisslike::tools
