#include <faisslike/impl/InterruptCallback.h>

#include <algorithm>

namespace faisslike {

InterruptedException::InterruptedException(const char* function, const char* file, int line)
        : FaisslikeException("computation interrupted", function, file, line) {}

std::shared_ptr<InterruptCallback> InterruptCallback::instance;

std::mutex InterruptCallback::lock;

namespace {

/// Serialises the calls of want_interrupt. Recursive: a callback may itself
/// run a computation that polls (a Python signal handler can).
std::recursive_mutex& call_lock() {
    static std::recursive_mutex m;
    return m;
}

/// The current callback, kept alive by the copy while it is called.
std::shared_ptr<InterruptCallback> current_callback() {
    std::lock_guard<std::mutex> guard(InterruptCallback::lock);
    return InterruptCallback::instance;
}

} // namespace

InterruptCallback::~InterruptCallback() = default;

void InterruptCallback::clear_instance() {
    std::shared_ptr<InterruptCallback> old;
    {
        std::lock_guard<std::mutex> guard(lock);
        old.swap(instance);
    }
    // `old` is destroyed here, without the lock: its destructor may poll.
}

bool InterruptCallback::is_interrupted() {
    std::shared_ptr<InterruptCallback> callback = current_callback();
    if (!callback) {
        return false;
    }
    // Without `lock`: the callback may clear or replace the instance.
    std::lock_guard<std::recursive_mutex> guard(call_lock());
    return callback->want_interrupt();
}

void InterruptCallback::check() {
    if (is_interrupted()) {
        throw InterruptedException(__PRETTY_FUNCTION__, __FILE__, __LINE__);
    }
}

size_t InterruptCallback::get_period_hint(size_t flops) {
    if (!current_callback()) {
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
    auto timeout = std::make_shared<TimeoutCallback>();
    timeout->set_timeout(timeout_in_seconds);
    std::shared_ptr<InterruptCallback> callback = std::move(timeout);
    std::lock_guard<std::mutex> guard(lock);
    // The previous callback, now in `callback`, is destroyed after the lock
    // is released; a poll that is calling it holds its own copy.
    instance.swap(callback);
}

} // namespace faisslike
