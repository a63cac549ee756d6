// IndexReplicas: the queries split over replicas give the results of one
// replica searching them all.

#include <gtest/gtest.h>

#include <vector>

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexReplicas.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/utils/random.h>

using faisslike::idx_t;

TEST(IndexReplicas, SplitSearchEqualsOneIndex) {
    const int d = 16;
    const idx_t nb = 1000, nq = 37, k = 5;
    std::vector<float> xb(size_t(nb) * d), xq(size_t(nq) * d);
    faisslike::float_randn(xb.data(), xb.size(), 1);
    faisslike::float_randn(xq.data(), xq.size(), 2);
    faisslike::IndexFlatL2 ref(d);
    ref.add(nb, xb.data());
    std::vector<float> dr(size_t(nq * k));
    std::vector<idx_t> ir(size_t(nq * k));
    ref.search(nq, xq.data(), k, dr.data(), ir.data());
    for (bool threaded : {false, true}) {
        faisslike::IndexReplicas rep(d, threaded);
        rep.own_indices = true;
        for (int r = 0; r < 3; r++) {
            rep.addIndex(new faisslike::IndexFlatL2(d));
        }
        rep.add(nb, xb.data());
        EXPECT_EQ(rep.ntotal, nb);
        std::vector<float> dt(size_t(nq * k));
        std::vector<idx_t> it(size_t(nq * k));
        rep.search(nq, xq.data(), k, dt.data(), it.data());
        EXPECT_EQ(dt, dr);
        EXPECT_EQ(it, ir);
    }
}

TEST(IndexReplicas, MismatchedReplicaIsRefused) {
    faisslike::IndexReplicas rep(8);
    faisslike::IndexFlatL2 a(8), b(4), c(8);
    rep.addIndex(&a);
    EXPECT_THROW(rep.addIndex(&b), faisslike::FaisslikeException);
    std::vector<float> x(8, 1.0f);
    c.add(1, x.data());
    EXPECT_THROW(rep.addIndex(&c), faisslike::FaisslikeException);
    EXPECT_EQ(rep.count(), 1);
    faisslike::IndexReplicas empty(8);
    float dis;
    idx_t lab;
    EXPECT_THROW(empty.search(1, x.data(), 1, &dis, &lab), faisslike::FaisslikeException);
}
