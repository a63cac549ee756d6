// Builds an IndexFlatL2 through the installed headers and library, and checks
// that every stored vector finds itself as its nearest neighbour.

#include <cstdio>
#include <vector>

#include <faisslike/IndexFlat.h>

int main() {
    const int d = 8;
    const int n = 5;
    std::vector<float> xb(n * d);
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < d; ++j) {
            xb[i * d + j] = static_cast<float>(i * 10 + j % 3);
        }
    }

    faisslike::IndexFlatL2 index(d);
    index.add(n, xb.data());
    if (index.ntotal != n) {
        std::fprintf(stderr, "ntotal is %lld, expected %d\n",
                     static_cast<long long>(index.ntotal), n);
        return 1;
    }

    const int k = 2;
    std::vector<float> D(n * k);
    std::vector<faisslike::idx_t> I(n * k);
    index.search(n, xb.data(), k, D.data(), I.data());
    for (int i = 0; i < n; ++i) {
        if (I[i * k] != i || D[i * k] != 0.0f) {
            std::fprintf(stderr, "query %d: nearest is %lld at %g, expected itself at 0\n",
                         i, static_cast<long long>(I[i * k]), D[i * k]);
            return 1;
        }
    }
    std::printf("downstream_flat: OK (%d vectors, d=%d)\n", n, d);
    return 0;
}
