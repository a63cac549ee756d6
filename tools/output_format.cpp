#include "output_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <faisslike/table/json.h>

namespace faisslike::tools {

std::string human_bytes(uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    char buf[32];
    std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

std::string fixed(double value, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
    return buf;
}

TextTable::TextTable(std::vector<std::string> header) {
    rows_.push_back(std::move(header));
}

void TextTable::add_row(std::vector<std::string> cells) {
    cells.resize(rows_.front().size());
    rows_.push_back(std::move(cells));
}

std::string TextTable::render() const {
    std::vector<size_t> width(rows_.front().size(), 0);
    for (const auto& row : rows_) {
        for (size_t c = 0; c < row.size(); c++) {
            width[c] = std::max(width[c], row[c].size());
        }
    }
    std::string out;
    for (const auto& row : rows_) {
        std::string line;
        for (size_t c = 0; c < row.size(); c++) {
            std::string pad(width[c] - row[c].size(), ' ');
            if (c == 0) {
                line += row[c] + pad;
            } else {
                line += "  " + pad + row[c];
            }
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out += line + "\n";
    }
    return out;
}

std::string json_quote(const std::string& s) { return table::Json(s).dump(); }

void JsonLine::add_raw(const std::string& key, const std::string& json_value) {
    if (!body_.empty()) {
        body_ += ", ";
    }
    body_ += json_quote(key) + ": " + json_value;
}

JsonLine& JsonLine::add(const std::string& key, const std::string& value) {
    add_raw(key, json_quote(value));
    return *this;
}

JsonLine& JsonLine::add(const std::string& key, const char* value) {
    return add(key, std::string(value));
}

JsonLine& JsonLine::add(const std::string& key, double value) {
    // JSON has no NaN or infinity.
    if (!std::isfinite(value)) {
        add_raw(key, "null");
        return *this;
    }
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.9g", value);
    add_raw(key, buf);
    return *this;
}

JsonLine& JsonLine::add(const std::string& key, int64_t value) {
    add_raw(key, std::to_string(value));
    return *this;
}

} // namespace faisslike::tools
