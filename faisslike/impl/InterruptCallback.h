#pragma once

// Interrupting long computations (k-means, adding or searching many vectors,
// building a graph), with Faiss's API: install a callback in
// InterruptCallback::instance and long loops poll it between blocks of work;
// when it asks for an interrupt they throw InterruptedException, and the call
// leaves the index as it was before (the usual contract of a failed call).
// The Python package installs a callback that turns Ctrl-C into
// KeyboardInterrupt.

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>

#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {

/// What an interrupted computation throws ("computation interrupted", as in
/// Faiss). A FaisslikeException, so that code catching those sees it too.
class InterruptedException : public FaisslikeException {
   public:
    /// Where the interrupt was noticed, as in the other exceptions' what().
    InterruptedException(const char* function, const char* file, int line);
};

struct InterruptCallback {
    /// True when the running computation should stop. Never called twice at
    /// once (the calls from all threads are serialised), so implementations
    /// need not be thread-safe; it may clear or replace instance, or run a
    /// computation that polls in turn: it runs without `lock` held.
    virtual bool want_interrupt() = 0;
    virtual ~InterruptCallback();

    /// Guards `instance`: held while it is replaced, cleared or read, never
    /// while want_interrupt runs.
    static std::mutex lock;

    /// The callback polled by long computations; none by default. Shared, so
    /// that a poll keeps the callback it calls alive even if that callback is
    /// replaced meanwhile. Set under `lock`, or while no computation runs;
    /// unique_ptr assignments and reset(new ...) work as with Faiss's.
    static std::shared_ptr<InterruptCallback> instance;

    /// Removes the callback (under `lock`); safe from inside want_interrupt.
    static void clear_instance();

    /// Throws InterruptedException when a callback is set and asks for an
    /// interrupt. Unlike Faiss's, safe to call from several threads.
    static void check();

    /// Like check(), but returns true instead of throwing.
    static bool is_interrupted();

    /// How many iterations of `flops` operations each to run between two
    /// polls: polls stay far apart in time (tens of milliseconds) whatever the
    /// size of an iteration, and never happen when no callback is set.
    static size_t get_period_hint(size_t flops);
};

/// Interrupts whatever runs once a time limit has passed (Faiss's
/// TimeoutCallback): TimeoutCallback::reset(seconds) installs one.
struct TimeoutCallback : InterruptCallback {
    std::chrono::time_point<std::chrono::steady_clock> start;
    double timeout = 0; ///< seconds; 0 once it has fired (then never again)

    bool want_interrupt() override;
    void set_timeout(double timeout_in_seconds);
    static void reset(double timeout_in_seconds);
};

/// Polls InterruptCallback once every `period` calls of tick(), for loops over
/// items too small to poll each (one query, one graph node). One per thread;
/// the first poll comes after a full period, so short calls never poll.
class InterruptPoll {
   public:
    /// flops_per_item: the rough cost of one item (see get_period_hint).
    explicit InterruptPoll(size_t flops_per_item)
            : period_(InterruptCallback::get_period_hint(flops_per_item)) {}

    /// Throws InterruptedException when a poll finds an interrupt request.
    void tick() {
        if (++count_ >= period_) {
            count_ = 0;
            InterruptCallback::check();
        }
    }

   private:
    size_t period_;
    size_t count_ = 0;
};

} // namespace faisslike
