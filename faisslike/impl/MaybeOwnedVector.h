#pragma once

// A byte or value array that either owns its storage (a std::vector) or views
// memory somebody else keeps alive (a memory-mapped index file, IO_FLAG_MMAP).
//
// Faiss has the same idea (MaybeOwnedVector) but refuses to modify a view.
// Here a view is copy-on-write: the first mutable access copies the viewed
// items into owned storage, so an index read with IO_FLAG_MMAP stays fully
// usable (add, remove_ids, merge) and only pays for the copy when changed.
// Const access never copies, so concurrent const searches on a view are safe.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <vector>

namespace faisslike {

template <class T>
class MaybeOwnedVector {
    static_assert(std::is_trivially_copyable<T>::value, "plain values only");

   public:
    using value_type = T;

    MaybeOwnedVector() = default;
    explicit MaybeOwnedVector(size_t n) : owned_(n) {}
    MaybeOwnedVector(std::vector<T> items) : owned_(std::move(items)) {} // NOLINT: a vector is an owned one

    /// A view of size items at data, kept valid by owner (for example the
    /// mapped file). Without an owner nothing could keep the memory alive, so
    /// the items are copied instead.
    static MaybeOwnedVector view(const T* data, size_t size, std::shared_ptr<const void> owner) {
        if (!owner) {
            return MaybeOwnedVector(std::vector<T>(data, data + size));
        }
        MaybeOwnedVector v;
        v.view_data_ = data;
        v.view_size_ = size;
        v.owner_ = std::move(owner);
        return v;
    }

    bool is_owned() const { return owner_ == nullptr; }
    size_t size() const { return is_owned() ? owned_.size() : view_size_; }
    bool empty() const { return size() == 0; }

    const T* data() const { return is_owned() ? owned_.data() : view_data_; }
    const T* begin() const { return data(); }
    const T* end() const { return data() + size(); }
    const T& operator[](size_t i) const { return data()[i]; }

    // Mutable access makes a view an owned copy first.
    T* data() { return mutable_items().data(); }
    T* begin() { return data(); }
    T* end() { return data() + size(); }
    T& operator[](size_t i) { return data()[i]; }

    void resize(size_t n) { mutable_items().resize(n); }
    void clear() { drop_view(), owned_.clear(); }
    void shrink_to_fit() { mutable_items().shrink_to_fit(); }
    /// Appends the items [first, last).
    void append(const T* first, const T* last) {
        auto& items = mutable_items();
        items.insert(items.end(), first, last);
    }

    /// An owned copy of the items.
    std::vector<T> to_vector() const { return std::vector<T>(begin(), end()); }

    friend bool operator==(const MaybeOwnedVector& a, const MaybeOwnedVector& b) {
        return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
    }
    friend bool operator!=(const MaybeOwnedVector& a, const MaybeOwnedVector& b) { return !(a == b); }

   private:
    std::vector<T>& mutable_items() {
        if (!is_owned()) {
            owned_.assign(view_data_, view_data_ + view_size_);
            drop_view();
        }
        return owned_;
    }
    void drop_view() {
        view_data_ = nullptr;
        view_size_ = 0;
        owner_.reset();
    }

    std::vector<T> owned_;
    const T* view_data_ = nullptr;
    size_t view_size_ = 0;
    std::shared_ptr<const void> owner_; ///< non-null exactly when this is a view
};

} // namespace faisslike
