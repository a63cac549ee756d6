// The per-thread last error.

#include <string>

#include "c_api_impl.h"
#include "error_c.h"

namespace {

thread_local std::string last_message;
/// Points into last_message, or at a literal when storing a message failed.
thread_local const char* last_error = nullptr;

const char* const kNoMemoryForMessage = "out of memory while recording an error message";

} // namespace

const char* faiss_get_last_error(void) {
    return last_error;
}

namespace faisslike_c {

int record_error(int code, const char* message) noexcept {
    try {
        last_message.assign(message);
        last_error = last_message.c_str();
    } catch (...) {
        last_error = kNoMemoryForMessage;
    }
    return code;
}

int record_error(int code, const char* function, const char* message) noexcept {
    try {
        std::string text = "Error in ";
        text += function;
        text += ": ";
        text += message;
        last_message.swap(text);
        last_error = last_message.c_str();
    } catch (...) {
        last_error = kNoMemoryForMessage;
    }
    return code;
}

} // namespace faisslike_c
