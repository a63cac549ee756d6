#include <faisslike/impl/FaisslikeException.h>

#include <cstdarg>
#include <cstdio>
#include <vector>

namespace faisslike {

FaisslikeException::FaisslikeException(std::string message)
        : msg_(std::move(message)), full_(msg_) {}

FaisslikeException::FaisslikeException(
        std::string message,
        const char* function,
        const char* file,
        int line)
        : msg_(std::move(message)),
          function_(function),
          file_(file),
          line_(line) {
    full_ = "Error in " + function_ + " at " + file_ + ":" +
            std::to_string(line_) + ": " + msg_;
}

std::string format_string(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    va_list copy;
    va_copy(copy, args);
    int size = std::vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    std::string out;
    if (size > 0) {
        std::vector<char> buf(size_t(size) + 1);
        std::vsnprintf(buf.data(), buf.size(), fmt, args);
        out.assign(buf.data(), size_t(size));
    }
    va_end(args);
    return out;
}

} // namespace faisslike
