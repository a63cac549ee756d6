#pragma once

// Formatting of results: aligned text tables for people, JSON lines for scripts.

#include <cstdint>
#include <string>
#include <vector>

namespace faisslike::tools {

/// "48.8 MiB": binary units, one decimal.
std::string human_bytes(uint64_t bytes);

/// printf("%.*f") into a string.
std::string fixed(double value, int decimals);

/// Columns are sized to their widest cell; the first column is left-aligned
/// (names), the others right-aligned (numbers).
class TextTable {
   public:
    explicit TextTable(std::vector<std::string> header);
    void add_row(std::vector<std::string> cells);
    std::string render() const;

   private:
    std::vector<std::vector<std::string>> rows_;
};

/// One JSON object on one line, keys in insertion order.
class JsonLine {
   public:
    JsonLine& add(const std::string& key, const std::string& value);
    JsonLine& add(const std::string& key, const char* value);
    JsonLine& add(const std::string& key, double value);
    JsonLine& add(const std::string& key, int64_t value);
    std::string str() const { return "{" + body_ + "}"; }

   private:
    void add_raw(const std::string& key, const std::string& json_value);
    std::string body_;
};

/// The JSON string literal for s, quotes included.
std::string json_quote(const std::string& s);

} // namespace faisslike::tools
