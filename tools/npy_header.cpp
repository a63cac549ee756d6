#include "npy_header.h"

#include <cctype>

#include <faisslike/impl/FaisslikeException.h>

namespace faisslike::tools {

namespace {

// A recursive-descent reader for the small subset of Python literal syntax that
// numpy writes: strings, True/False and tuples of non-negative integers.
class DictParser {
   public:
    DictParser(const std::string& text, const std::string& what) : text_(text), what_(what) {}

    NpyHeader parse() {
        NpyHeader header;
        bool have_descr = false, have_order = false, have_shape = false;
        expect('{');
        while (true) {
            skip_space();
            if (peek() == '}') {
                pos_++;
                break;
            }
            std::string key = parse_string();
            expect(':');
            skip_space();
            if (key == "descr") {
                if (peek() == '[') {
                    fail("structured dtypes (record arrays) are not supported; save a plain 2-D "
                         "numeric array");
                }
                header.descr = parse_string();
                have_descr = true;
            } else if (key == "fortran_order") {
                header.fortran_order = parse_bool();
                have_order = true;
            } else if (key == "shape") {
                header.shape = parse_shape();
                have_shape = true;
            } else {
                fail("unexpected key '" + key + "' in the header");
            }
            skip_space();
            if (peek() == ',') {
                pos_++;
            } else if (peek() != '}') {
                fail("expected ',' or '}' in the header");
            }
        }
        skip_space();
        if (pos_ != text_.size()) {
            fail("unexpected text after the header dict");
        }
        if (!have_descr || !have_order || !have_shape) {
            fail("the header lacks one of 'descr', 'fortran_order', 'shape'");
        }
        return header;
    }

   private:
    [[noreturn]] void fail(const std::string& why) const {
        throw FaisslikeException(what_ + ": malformed .npy header: " + why);
    }

    char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

    void skip_space() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) {
            pos_++;
        }
    }

    void expect(char c) {
        skip_space();
        if (peek() != c) {
            fail(std::string("expected '") + c + "'");
        }
        pos_++;
    }

    std::string parse_string() {
        skip_space();
        char quote = peek();
        if (quote != '\'' && quote != '"') {
            fail("expected a quoted string");
        }
        size_t end = text_.find(quote, pos_ + 1);
        if (end == std::string::npos) {
            fail("unterminated string");
        }
        std::string s = text_.substr(pos_ + 1, end - pos_ - 1);
        pos_ = end + 1;
        return s;
    }

    bool parse_bool() {
        if (text_.compare(pos_, 4, "True") == 0) {
            pos_ += 4;
            return true;
        }
        if (text_.compare(pos_, 5, "False") == 0) {
            pos_ += 5;
            return false;
        }
        fail("expected True or False");
    }

    uint64_t parse_uint() {
        skip_space();
        if (!std::isdigit(static_cast<unsigned char>(peek()))) {
            fail("expected a non-negative integer in the shape");
        }
        uint64_t v = 0;
        while (std::isdigit(static_cast<unsigned char>(peek()))) {
            uint64_t digit = uint64_t(peek() - '0');
            if (v > (UINT64_MAX - digit) / 10) {
                fail("a shape entry does not fit in 64 bits");
            }
            v = v * 10 + digit;
            pos_++;
        }
        // numpy writes Python 2 longs as "100L" in old files.
        if (peek() == 'L') {
            pos_++;
        }
        return v;
    }

    std::vector<uint64_t> parse_shape() {
        std::vector<uint64_t> shape;
        expect('(');
        while (true) {
            skip_space();
            if (peek() == ')') {
                pos_++;
                return shape;
            }
            shape.push_back(parse_uint());
            skip_space();
            if (peek() == ',') {
                pos_++;
            } else if (peek() != ')') {
                fail("expected ',' or ')' in the shape");
            }
        }
    }

    const std::string& text_;
    const std::string& what_;
    size_t pos_ = 0;
};

} // namespace

NpyHeader parse_npy_header(const std::string& text, const std::string& what) {
    return DictParser(text, what).parse();
}

std::string format_npy_header(const std::string& descr, uint64_t n, uint64_t d) {
    return "{'descr': '" + descr +
           "', 'fortran_order': False, 'shape': " + format_npy_shape({n, d}) + ", }";
}

std::string format_npy_shape(const std::vector<uint64_t>& shape) {
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); i++) {
        s += (i ? ", " : "") + std::to_string(shape[i]);
    }
    return s + (shape.size() == 1 ? ",)" : ")");
}

} // namespace faisslike::tools
