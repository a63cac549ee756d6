#include <faisslike/table/json.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <faisslike/impl/FaisslikeException.h>

namespace faisslike {
namespace table {

namespace {

const char* type_name(Json::Type t) {
    switch (t) {
        case Json::Null:
            return "null";
        case Json::Bool:
            return "a boolean";
        case Json::Number:
            return "a number";
        case Json::String:
            return "a string";
        case Json::Array:
            return "an array";
        case Json::Object:
            return "an object";
    }
    return "?";
}

/// Shortest "%.*g" text of v that reads back as the same value.
template <class T>
std::string shortest_text(T v, int max_digits) {
    FAISSLIKE_THROW_IF_NOT_MSG(std::isfinite(v), "JSON cannot represent NaN or infinity");
    char buf[64];
    for (int digits = 6; digits <= max_digits; digits++) {
        std::snprintf(buf, sizeof(buf), "%.*g", digits, double(v));
        T back = sizeof(T) == sizeof(float) ? T(std::strtof(buf, nullptr)) : T(std::strtod(buf, nullptr));
        if (back == v) {
            break;
        }
    }
    return buf;
}

} // namespace

Json::Json(bool b) : type_(Bool), b_(b) {}
Json::Json(int64_t v) : type_(Number), s_(std::to_string(v)) {}
Json::Json(uint64_t v) : type_(Number), s_(std::to_string(v)) {}
Json::Json(double v) : type_(Number), s_(shortest_text(v, 17)) {}
Json::Json(const char* s) : type_(String), s_(s) {}
Json::Json(std::string s) : type_(String), s_(std::move(s)) {}

Json Json::float_number(float v) {
    Json j;
    j.type_ = Number;
    j.s_ = shortest_text(v, 9);
    return j;
}

Json Json::array() {
    Json j;
    j.type_ = Array;
    return j;
}

Json Json::object() {
    Json j;
    j.type_ = Object;
    return j;
}

void Json::type_error(const char* wanted) const {
    FAISSLIKE_THROW_FMT("JSON value is %s, expected %s", type_name(type_), wanted);
}

Json& Json::set(const std::string& key, Json value) {
    if (type_ != Object) {
        type_error("an object");
    }
    for (auto& kv : members_) {
        if (kv.first == key) {
            kv.second = std::move(value);
            return *this;
        }
    }
    members_.emplace_back(key, std::move(value));
    return *this;
}

Json& Json::push(Json value) {
    if (type_ != Array) {
        type_error("an array");
    }
    elems_.push_back(std::move(value));
    return *this;
}

const Json* Json::find(const std::string& key) const {
    if (type_ != Object) {
        type_error("an object");
    }
    for (const auto& kv : members_) {
        if (kv.first == key) {
            return &kv.second;
        }
    }
    return nullptr;
}

const Json& Json::at(const std::string& key) const {
    const Json* v = find(key);
    if (!v) {
        FAISSLIKE_THROW_FMT("JSON object lacks the key \"%s\"", key.c_str());
    }
    return *v;
}

const Json& Json::at(size_t i) const {
    if (type_ != Array) {
        type_error("an array");
    }
    FAISSLIKE_THROW_IF_NOT_FMT(i < elems_.size(), "JSON array index %zu out of %zu", i, elems_.size());
    return elems_[i];
}

size_t Json::size() const {
    if (type_ == Array) {
        return elems_.size();
    }
    if (type_ == Object) {
        return members_.size();
    }
    type_error("an array or an object");
}

const std::vector<std::pair<std::string, Json>>& Json::items() const {
    if (type_ != Object) {
        type_error("an object");
    }
    return members_;
}

bool Json::as_bool() const {
    if (type_ != Bool) {
        type_error("a boolean");
    }
    return b_;
}

int64_t Json::as_int() const {
    if (type_ != Number) {
        type_error("an integer");
    }
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s_.c_str(), &end, 10);
    if (errno != 0 || *end != 0) {
        FAISSLIKE_THROW_FMT("JSON number %s is not a 64-bit integer", s_.c_str());
    }
    return v;
}

double Json::as_double() const {
    if (type_ != Number) {
        type_error("a number");
    }
    return std::strtod(s_.c_str(), nullptr);
}

float Json::as_float() const {
    if (type_ != Number) {
        type_error("a number");
    }
    return std::strtof(s_.c_str(), nullptr);
}

const std::string& Json::as_string() const {
    if (type_ != String) {
        type_error("a string");
    }
    return s_;
}

namespace {

void dump_string(const std::string& s, std::string& out) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof(buf), "\\u%04x", c);
                    out += buf;
                } else {
                    out += char(c);
                }
        }
    }
    out += '"';
}

} // namespace

void Json::dump_to(std::string& out) const {
    switch (type_) {
        case Null:
            out += "null";
            break;
        case Bool:
            out += b_ ? "true" : "false";
            break;
        case Number:
            out += s_;
            break;
        case String:
            dump_string(s_, out);
            break;
        case Array:
            out += '[';
            for (size_t i = 0; i < elems_.size(); i++) {
                if (i) {
                    out += ',';
                }
                elems_[i].dump_to(out);
            }
            out += ']';
            break;
        case Object:
            out += '{';
            for (size_t i = 0; i < members_.size(); i++) {
                if (i) {
                    out += ',';
                }
                dump_string(members_[i].first, out);
                out += ':';
                members_[i].second.dump_to(out);
            }
            out += '}';
            break;
    }
}

std::string Json::dump() const {
    std::string out;
    dump_to(out);
    return out;
}

/// Recursive descent over the JSON grammar (RFC 8259), depth-limited so that
/// hostile metadata cannot exhaust the stack.
class JsonParser {
   public:
    explicit JsonParser(const std::string& text) : t_(text) {}

    Json parse_document() {
        Json v = value(0);
        skip_ws();
        if (p_ != t_.size()) {
            fail("trailing characters");
        }
        return v;
    }

   private:
    static constexpr int kMaxDepth = 64;

    [[noreturn]] void fail(const char* what) const {
        FAISSLIKE_THROW_FMT("invalid JSON at offset %zu: %s", p_, what);
    }

    void skip_ws() {
        while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' || t_[p_] == '\r')) {
            p_++;
        }
    }

    bool consume(const char* word) {
        size_t n = std::char_traits<char>::length(word);
        if (t_.compare(p_, n, word) == 0) {
            p_ += n;
            return true;
        }
        return false;
    }

    Json value(int depth) {
        if (depth > kMaxDepth) {
            fail("nested too deeply");
        }
        skip_ws();
        if (p_ >= t_.size()) {
            fail("unexpected end");
        }
        char c = t_[p_];
        if (c == '{') {
            p_++;
            Json obj = Json::object();
            skip_ws();
            if (p_ < t_.size() && t_[p_] == '}') {
                p_++;
                return obj;
            }
            for (;;) {
                skip_ws();
                if (p_ >= t_.size() || t_[p_] != '"') {
                    fail("expected a key");
                }
                std::string key = string();
                skip_ws();
                if (p_ >= t_.size() || t_[p_] != ':') {
                    fail("expected ':'");
                }
                p_++;
                obj.set(key, value(depth + 1));
                skip_ws();
                if (p_ < t_.size() && t_[p_] == ',') {
                    p_++;
                } else if (p_ < t_.size() && t_[p_] == '}') {
                    p_++;
                    return obj;
                } else {
                    fail("expected ',' or '}'");
                }
            }
        }
        if (c == '[') {
            p_++;
            Json arr = Json::array();
            skip_ws();
            if (p_ < t_.size() && t_[p_] == ']') {
                p_++;
                return arr;
            }
            for (;;) {
                arr.push(value(depth + 1));
                skip_ws();
                if (p_ < t_.size() && t_[p_] == ',') {
                    p_++;
                } else if (p_ < t_.size() && t_[p_] == ']') {
                    p_++;
                    return arr;
                } else {
                    fail("expected ',' or ']'");
                }
            }
        }
        if (c == '"') {
            return Json(string());
        }
        if (consume("true")) {
            return Json(true);
        }
        if (consume("false")) {
            return Json(false);
        }
        if (consume("null")) {
            return Json();
        }
        return number();
    }

    Json number() {
        size_t start = p_;
        auto digits = [&] {
            size_t s = p_;
            while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') {
                p_++;
            }
            return p_ > s;
        };
        if (p_ < t_.size() && t_[p_] == '-') {
            p_++;
        }
        if (!digits()) {
            fail("expected a value");
        }
        if (p_ < t_.size() && t_[p_] == '.') {
            p_++;
            if (!digits()) {
                fail("expected digits after '.'");
            }
        }
        if (p_ < t_.size() && (t_[p_] == 'e' || t_[p_] == 'E')) {
            p_++;
            if (p_ < t_.size() && (t_[p_] == '+' || t_[p_] == '-')) {
                p_++;
            }
            if (!digits()) {
                fail("expected an exponent");
            }
        }
        Json j;
        j.type_ = Json::Number;
        j.s_ = t_.substr(start, p_ - start);
        return j;
    }

    unsigned hex4() {
        if (p_ + 4 > t_.size()) {
            fail("truncated \\u escape");
        }
        unsigned v = 0;
        for (int i = 0; i < 4; i++) {
            char c = t_[p_++];
            v <<= 4;
            if (c >= '0' && c <= '9') {
                v |= unsigned(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                v |= unsigned(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                v |= unsigned(c - 'A' + 10);
            } else {
                fail("bad \\u escape");
            }
        }
        return v;
    }

    void append_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += char(cp);
        } else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }

    std::string string() {
        p_++; // opening quote
        std::string out;
        for (;;) {
            if (p_ >= t_.size()) {
                fail("unterminated string");
            }
            char c = t_[p_++];
            if (c == '"') {
                return out;
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                fail("control character in a string");
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (p_ >= t_.size()) {
                fail("unterminated escape");
            }
            char e = t_[p_++];
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    out += e;
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    unsigned cp = hex4();
                    if (cp >= 0xD800 && cp < 0xDC00 && t_.compare(p_, 2, "\\u") == 0) {
                        p_ += 2;
                        unsigned lo = hex4();
                        if (lo < 0xDC00 || lo >= 0xE000) {
                            fail("bad surrogate pair");
                        }
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    }
                    append_utf8(out, cp);
                    break;
                }
                default:
                    fail("unknown escape");
            }
        }
    }

    const std::string& t_;
    size_t p_ = 0;
};

Json Json::parse(const std::string& text) {
    return JsonParser(text).parse_document();
}

} // namespace table
} // namespace faisslike
