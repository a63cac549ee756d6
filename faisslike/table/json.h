#pragma once

// A small JSON value for the table metadata (Lance writes its index
// parameters as JSON strings in schema metadata). Objects keep their keys in
// insertion order, so output is deterministic and reads like Lance's.
// Numbers keep their text: a float written with float_number() reads back
// bit for bit through as_float(), an int64 through as_int(), a double
// through as_double().

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace faisslike {
namespace table {

class Json {
   public:
    enum Type { Null, Bool, Number, String, Array, Object };

    Json() = default;
    Json(bool b);
    Json(int v) : Json(int64_t(v)) {}
    Json(int64_t v);
    Json(uint64_t v);
    /// Shortest text that reads back to the same double. Throws on NaN/inf.
    Json(double v);
    Json(const char* s);
    Json(std::string s);
    /// Shortest text that reads back to the same float. Throws on NaN/inf.
    static Json float_number(float v);
    static Json array();
    static Json object();

    Type type() const { return type_; }
    bool is_null() const { return type_ == Null; }

    /// Object: sets key (replacing an existing one); returns *this.
    Json& set(const std::string& key, Json value);
    /// Array: appends; returns *this.
    Json& push(Json value);

    /// Object member, or nullptr.
    const Json* find(const std::string& key) const;
    /// Object member; throws "missing key" naming `context`.
    const Json& at(const std::string& key) const;
    /// Array element (checked).
    const Json& at(size_t i) const;
    /// Array or object size.
    size_t size() const;
    const std::vector<std::pair<std::string, Json>>& items() const;

    bool as_bool() const;
    /// Throws unless the number is an integer that fits.
    int64_t as_int() const;
    double as_double() const;
    float as_float() const;
    const std::string& as_string() const;

    std::string dump() const;
    /// Throws FaisslikeException with the position of the first error.
    static Json parse(const std::string& text);

   private:
    void dump_to(std::string& out) const;
    [[noreturn]] void type_error(const char* wanted) const;

    Type type_ = Null;
    bool b_ = false;
    std::string s_; ///< string value, or the text of a number
    std::vector<Json> elems_;
    std::vector<std::pair<std::string, Json>> members_;

    friend class JsonParser;
};

} // namespace table
} // namespace faisslike
