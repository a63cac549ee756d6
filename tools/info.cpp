// `faisslike info`: what a file holds. Dispatches on the kind of file so that
// each kind (vector files now, index files once they can be read) has its own
// describer.

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <utility>
#include <vector>

#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/index_io.h>

#include "cli_args.h"
#include "commands.h"
#include "index_info.h"
#include "output_format.h"
#include "progress.h"
#include "vector_io.h"

namespace faisslike::tools {

const char* const kInfoHelp = R"(usage: faisslike info FILE ...

Prints what each file holds. Vector files (.fvecs, .bvecs, .ivecs, .npy): format,
number of vectors, dimension, element type and the range of the values (one
pass over the file). Index files are recognised but cannot be read yet.

options:
  --quiet      no progress on stderr
  -h, --help   this help
)";

namespace {

enum class FileKind { vectors, faiss_index, unknown };

struct Detected {
    FileKind kind = FileKind::unknown;
    std::string tag; ///< the four-character code of an index file
};

Detected detect_file_kind(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw FaisslikeException(path + ": cannot open: " + std::strerror(errno));
    }
    char head[6] = {};
    in.read(head, sizeof(head));
    size_t got = size_t(in.gcount());
    Detected det;
    if (vector_format_from_path(path) ||
        (got == sizeof(head) && std::memcmp(head, "\x93NUMPY", 6) == 0)) {
        det.kind = FileKind::vectors;
        return det;
    }
    // Faiss index files start with a four-character code naming the index
    // type: "IxF2" (IndexFlatL2), "IwFl" (IndexIVFFlat), "IHNf" (IndexHNSWFlat)...
    bool fourcc = got >= 4 && head[0] == 'I';
    for (size_t i = 0; fourcc && i < 4; i++) {
        fourcc = std::isalnum(static_cast<unsigned char>(head[i])) != 0;
    }
    if (got >= 4) {
        det.tag.assign(head, 4);
    }
    if (fourcc) {
        det.kind = FileKind::faiss_index;
    }
    return det;
}

std::string format_description(VectorFormat format) {
    switch (format) {
        case VectorFormat::fvecs:
            return "fvecs (texmex: per vector an int32 d, then d float32)";
        case VectorFormat::bvecs:
            return "bvecs (texmex: per vector an int32 d, then d uint8)";
        case VectorFormat::ivecs:
            return "ivecs (texmex: per vector an int32 d, then d int32)";
        case VectorFormat::npy:
            return "npy (numpy array, C order)";
    }
    return "unknown";
}

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.7g", v);
    return buf;
}

std::string describe_vectors(const std::string& path, bool quiet) {
    VectorFileInfo info = inspect_vector_file(path);
    Progress progress("scan", info.n, quiet);
    ValueStats stats = scan_values(path, [&](size_t done, size_t) {
        progress.update(done);
    });
    progress.close();

    std::string format = format_description(info.format);
    if (info.format == VectorFormat::npy) {
        format += ", version " + std::to_string(info.npy_version) + ".0";
    }
    std::vector<std::pair<std::string, std::string>> fields = {
            {"file", path},
            {"format", format},
            {"vectors", std::to_string(info.n)},
            {"dimension", std::to_string(info.d)},
            {"dtype", element_type_name(info.type)},
            {"size",
             std::to_string(info.file_bytes) + " bytes (" + human_bytes(info.file_bytes) + ")"},
    };
    std::string values = "none";
    if (stats.count > stats.non_finite) {
        values = "min " + number(stats.min) + ", max " + number(stats.max) + ", mean " +
                 number(stats.mean);
        bool float_type = info.type == ElementType::float32 || info.type == ElementType::float64;
        if (float_type && stats.all_integers) {
            values += " (all whole numbers)";
        }
    }
    fields.emplace_back("values", values);
    if (stats.non_finite > 0) {
        fields.emplace_back(
                "non-finite", std::to_string(stats.non_finite) + " values (NaN or inf)");
    }
    std::string text;
    for (const auto& [key, value] : fields) {
        text += key + std::string(std::max<size_t>(1, 11 - key.size()), ' ') + value + "\n";
    }
    return text;
}

/// The description of one file, by its kind.
std::string describe(const std::string& path, bool quiet) {
    Detected det = detect_file_kind(path);
    switch (det.kind) {
        case FileKind::vectors:
            return describe_vectors(path, quiet);
        case FileKind::faiss_index:
        case FileKind::unknown:
            break;
    }
    // Anything else is tried as an index file (user-registered types need not
    // start with 'I'); the reader's error says what is wrong with it.
    try {
        std::unique_ptr<Index> index(read_index(path.c_str()));
        return "file: " + path + "\nindex file, type code \"" + det.tag + "\"\n" + describe_index(*index);
    } catch (const FaisslikeException& e) {
        if (det.kind == FileKind::faiss_index) {
            throw;
        }
        throw FaisslikeException(path + ": unrecognised file type: not a vector file (.fvecs, .bvecs, "
                                        ".ivecs, .npy), nor a readable index file (" + e.msg() + ")");
    }
}

} // namespace

int info_command(const std::vector<std::string>& args) {
    std::vector<std::string> paths;
    bool quiet = false;
    ArgParser p(args);
    while (p.next()) {
        if (!p.is_option()) {
            paths.push_back(p.arg());
        } else if (p.name() == "-h" || p.name() == "--help") {
            p.no_value();
            std::fputs(kInfoHelp, stdout);
            return 0;
        } else if (p.name() == "--quiet") {
            p.no_value();
            quiet = true;
        } else {
            throw UsageError("unknown option " + p.name() + " for info");
        }
    }
    if (paths.empty()) {
        throw UsageError("info needs a FILE");
    }
    // One unreadable file should not hide what the others hold.
    int rc = 0;
    bool first = true;
    for (const std::string& path : paths) {
        try {
            std::string text = describe(path, quiet);
            std::fputs(first ? text.c_str() : ("\n" + text).c_str(), stdout);
            first = false;
        } catch (const FaisslikeException& e) {
            std::fflush(stdout);
            std::fprintf(stderr, "faisslike: error: %s\n", e.msg().c_str());
            rc = 1;
        }
    }
    return rc;
}

} // namespace faisslike::tools
