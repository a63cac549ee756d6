#pragma once

#include <exception>
#include <string>

namespace faisslike {

/// Every error faisslike reports to its callers. `what()` reads
/// "Error in <function> at <file>:<line>: <message>" like Faiss's, so the
/// messages users search for keep their shape; msg() is the message alone.
class FaisslikeException : public std::exception {
   public:
    explicit FaisslikeException(std::string message);
    FaisslikeException(
            std::string message,
            const char* function,
            const char* file,
            int line);

    const char* what() const noexcept override { return full_.c_str(); }
    const std::string& msg() const { return msg_; }
    const std::string& function() const { return function_; }
    const std::string& file() const { return file_; }
    int line() const { return line_; }

   private:
    std::string msg_;
    std::string function_;
    std::string file_;
    int line_ = 0;
    std::string full_;
};

/// printf-style formatting into a std::string (used by the checking macros).
std::string format_string(const char* fmt, ...)
        __attribute__((format(printf, 1, 2)));

} // namespace faisslike

#define FAISSLIKE_THROW_MSG(MSG)                                              \
    throw ::faisslike::FaisslikeException(                                    \
            (MSG), __PRETTY_FUNCTION__, __FILE__, __LINE__)

#define FAISSLIKE_THROW_FMT(FMT, ...) \
    FAISSLIKE_THROW_MSG(::faisslike::format_string(FMT, __VA_ARGS__))

#define FAISSLIKE_THROW_IF_NOT(X)                                 \
    do {                                                          \
        if (!(X)) {                                               \
            FAISSLIKE_THROW_MSG("Error: '" #X "' failed");        \
        }                                                         \
    } while (false)

#define FAISSLIKE_THROW_IF_NOT_MSG(X, MSG)                                  \
    do {                                                                    \
        if (!(X)) {                                                         \
            FAISSLIKE_THROW_MSG(std::string("Error: '" #X "' failed: ") +   \
                                (MSG));                                     \
        }                                                                   \
    } while (false)

#define FAISSLIKE_THROW_IF_NOT_FMT(X, FMT, ...)                              \
    do {                                                                     \
        if (!(X)) {                                                          \
            FAISSLIKE_THROW_MSG(std::string("Error: '" #X "' failed: ") +    \
                                ::faisslike::format_string(FMT, __VA_ARGS__)); \
        }                                                                    \
    } while (false)

#define FAISSLIKE_THROW_IF_MSG(X, MSG) \
    do {                               \
        if (X) {                       \
            FAISSLIKE_THROW_MSG(MSG);  \
        }                              \
    } while (false)
