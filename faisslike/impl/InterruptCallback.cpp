#include <faisslike/impl/InterruptCallback.h>

#include <algorithm>

namespace faisslike {

InterruptedException::InterruptedException(const char* function, const char* file, int line)
        : FaisslikeException("computation interrupted", function, file, line) {}

std::unique_ptr<InterruptCallback> InterruptCallback::instance;

std::mutex InterruptCallback::lock;

InterruptCallback::~InterruptCallback() = default;

void InterruptCallback::clear_instance() {
    std::lock_guard<std::mutex> guard(lock);
    instance.reset();
}

bool InterruptCallback::is_interrupted() {
    // The unlocked test keeps polls free when no callback is set (the common
    // case, and the one hot loops are timed in).
    if (!instance) {
        return false;
    }
    std::lock_guard<std::mutex> guard(lock);
    return instance && instance->want_interrupt();
}

void InterruptCallback::check() {
    if (is_interrupted()) {
        throw InterruptedException(__PRETTY_FUNCTION__, __FILE__, __LINE__);
    }
}

size_t InterruptCallback::get_period_hint(size_t flops) {
    if (!instance) {
        return size_t(1) << 30; // in effect never
    }
    // About 1e8 operations between polls: some tens of milliseconds on one
    // core, so an interrupt is felt at once while polls cost nothing.
    constexpr size_t kFlopsBetweenPolls = 100 * 1000 * 1000;
    return std::max<size_t>(1, kFlopsBetweenPolls / (flops + 1));
}

void TimeoutCallback::set_timeout(double timeout_in_seconds) {
    timeout = timeout_in_seconds;
    start = std::chrono::steady_clock::now();
}

bool TimeoutCallback::want_interrupt() {
    if (timeout == 0) {
        return false;
    }
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed > timeout) {
        timeout = 0; // fire once: the next computation runs normally
        return true;
    }
    return false;
}

void TimeoutCallback::reset(double timeout_in_seconds) {
    auto callback = std::make_unique<TimeoutCallback>();
    callback->set_timeout(timeout_in_seconds);
    std::lock_guard<std::mutex> guard(lock);
    instance = std::move(callback);
}

} // namespace faisslike
