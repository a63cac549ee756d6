// Files written by the real Faiss (tests/faiss_compat/faiss_files.py, run by ctest
// just before this test) are read here: same search results as Faiss computed,
// and written again they are the same bytes. Each is also written back for the
// Python script to load into Faiss.

#include <gtest/gtest.h>

#include <dirent.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <faisslike/IVFlib.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/index_io.h>

#include "vector_io.h"

namespace faisslike {
namespace {

std::string files_dir() {
    const char* dir = std::getenv("FAISSLIKE_FAISS_FILES_DIR");
    return dir ? dir : "";
}

std::vector<std::string> faiss_files(const std::string& dir) {
    std::vector<std::string> names;
    if (DIR* dp = opendir(dir.c_str())) {
        while (dirent* e = readdir(dp)) {
            std::string n = e->d_name;
            if (n.size() > 6 && n.compare(n.size() - 6, 6, ".faiss") == 0) {
                names.push_back(n.substr(0, n.size() - 6));
            }
        }
        closedir(dp);
    }
    return names;
}

/// Names listed in dir/results_not_comparable.txt (faiss_files.py: specs
/// whose search an old Faiss does differently; their bytes are still checked).
std::set<std::string> results_not_comparable(const std::string& dir) {
    std::ifstream in(dir + "/results_not_comparable.txt");
    std::set<std::string> names;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) {
            names.insert(line);
        }
    }
    return names;
}

std::vector<uint8_t> file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(FaissCompat, ReadsFaissFilesAndWritesThemBack) {
    std::string dir = files_dir();
    auto names = faiss_files(dir);
    if (names.empty()) {
        GTEST_SKIP() << "no Faiss-written files in '" << dir
                     << "' (the faiss_files_write step was skipped: faiss-cpu not installed)";
    }
    auto xq = tools::read_float_vectors(dir + "/xq.npy");
    const auto skip_results = results_not_comparable(dir);
    for (const auto& name : names) {
        SCOPED_TRACE(name);
        std::string path = dir + "/" + name + ".faiss";
        std::unique_ptr<Index> index(read_index(path.c_str()));
        auto D_ref = tools::read_float_vectors(dir + "/" + name + ".D.npy");
        auto I_ref = tools::read_int_vectors(dir + "/" + name + ".I.npy");
        ASSERT_EQ(index->d, int(xq.d));
        size_t k = D_ref.d, nq = xq.n;
        std::vector<float> D(nq * k);
        std::vector<idx_t> I(nq * k);
        index->search(nq, xq.values.data(), k, D.data(), I.data());
        for (size_t q = 0; q < nq && !skip_results.count(name); q++) {
            std::multiset<idx_t> mine, theirs;
            for (size_t i = 0; i < k; i++) {
                float ref = D_ref.values[q * k + i];
                ASSERT_NEAR(D[q * k + i], ref, 1e-4 * std::max(1.0f, std::abs(ref)) + 1e-3)
                        << "query " << q << " rank " << i;
                // Ids must agree except where the last ranks tie.
                if (i + 1 < k) {
                    mine.insert(I[q * k + i]);
                    theirs.insert(I_ref.values[q * k + i]);
                }
            }
            EXPECT_EQ(mine, theirs) << "query " << q;
        }
        // Memory-mapped, the same results.
        std::unique_ptr<Index> mapped(read_index(path.c_str(), IO_FLAG_MMAP));
        std::vector<float> Dm(nq * k);
        std::vector<idx_t> Im(nq * k);
        mapped->search(nq, xq.values.data(), k, Dm.data(), Im.data());
        EXPECT_EQ(Im, I);
        EXPECT_EQ(Dm, D);
        // (c) Written again, the file is byte-identical to Faiss's.
        EXPECT_EQ(serialize_index(index.get()), file_bytes(path));
        // (b) Written here, for Faiss to read (faiss_files.py check).
        write_index(index.get(), (dir + "/" + name + ".faisslike").c_str());
    }
}

} // namespace
} // namespace faisslike
