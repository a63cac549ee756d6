// File blocks of the non-IVF built-in types, byte for byte as Faiss writes them:
// IndexFlat (IxF2 / IxFI / IxFl), IndexIDMap (IxMp) / IndexIDMap2 (IxM2),
// IndexPreTransform (IxPT) with its transforms (rrot, Pcam, LTra, VNrm, VCnt),
// IndexRefine (IxRF).

#include <faisslike/IndexFlat.h>
#include <faisslike/IndexIDMap.h>
#include <faisslike/IndexPreTransform.h>
#include <faisslike/IndexRefine.h>
#include <faisslike/VectorTransform.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/io_builtin.h>

namespace faisslike {

namespace {

/******************************************************* IndexFlat */

void write_flat(const Index& index, WriteStream& out) {
    const auto& flat = static_cast<const IndexFlat&>(index);
    out.write_fourcc(flat.metric_type == METRIC_L2 ? "IxF2"
                     : flat.metric_type == METRIC_INNER_PRODUCT ? "IxFI"
                                                                : "IxFl");
    write_index_header(flat, out);
    // Faiss stores the codes as a float vector of ntotal * d.
    out.write_vector(flat.get_xb(), size_t(flat.ntotal) * flat.d);
}

std::unique_ptr<Index> read_flat(uint32_t code, ReadStream& in) {
    std::unique_ptr<IndexFlat> flat;
    if (code == fourcc("IxF2")) {
        flat = std::make_unique<IndexFlatL2>();
    } else if (code == fourcc("IxFI")) {
        flat = std::make_unique<IndexFlatIP>();
    } else {
        flat = std::make_unique<IndexFlat>();
    }
    read_index_header(*flat, in);
    in.check(flat->metric_type == METRIC_L2 || flat->metric_type == METRIC_INNER_PRODUCT,
             "IndexFlat with metric %d is not supported", int(flat->metric_type));
    in.check(code != fourcc("IxF2") || flat->metric_type == METRIC_L2, "IxF2 block with a non-L2 metric");
    in.check(code != fourcc("IxFI") || flat->metric_type == METRIC_INNER_PRODUCT,
             "IxFI block with a non-IP metric");
    flat->code_size = sizeof(float) * size_t(flat->d);
    in.read_vector_as_bytes<float>(flat->codes, uint64_t(flat->ntotal), uint64_t(flat->d));
    flat->sync_l2norms();
    return flat;
}

/******************************************************* IndexIDMap / IDMap2 */

void write_idmap(const Index& index, WriteStream& out) {
    const auto& idmap = static_cast<const IndexIDMap&>(index);
    out.write_fourcc(dynamic_cast<const IndexIDMap2*>(&idmap) ? "IxM2" : "IxMp");
    write_index_header(idmap, out);
    write_index_block(idmap.index, out);
    out.write_vector(idmap.id_map);
}

std::unique_ptr<Index> read_idmap(uint32_t code, ReadStream& in) {
    bool is2 = code == fourcc("IxM2");
    std::unique_ptr<IndexIDMap> idmap = is2 ? std::make_unique<IndexIDMap2>() : std::make_unique<IndexIDMap>();
    read_index_header(*idmap, in);
    auto sub = read_index_block(in);
    in.check(sub != nullptr, "IndexIDMap without a sub-index");
    in.check(sub->d == idmap->d && sub->ntotal == idmap->ntotal,
             "IndexIDMap header (d %d, ntotal %lld) disagrees with its sub-index (d %d, ntotal %lld)",
             idmap->d, (long long)idmap->ntotal, sub->d, (long long)sub->ntotal);
    idmap->index = sub.release();
    idmap->own_fields = true;
    idmap->id_map = in.read_vector<idx_t>(uint64_t(idmap->ntotal));
    in.check(idmap->id_map.size() == size_t(idmap->ntotal), "IndexIDMap has %zu ids for %lld vectors",
             idmap->id_map.size(), (long long)idmap->ntotal);
    if (is2) {
        auto* idmap2 = static_cast<IndexIDMap2*>(idmap.get());
        idmap2->construct_rev_map();
        in.check(idmap2->rev_map.size() == idmap2->id_map.size(), "IndexIDMap2 holds duplicate ids");
    }
    return idmap;
}

/******************************************************* transforms */

void write_transform_common(const VectorTransform& vt, WriteStream& out) {
    out.write<int32_t>(vt.d_in);
    out.write<int32_t>(vt.d_out);
    out.write<uint8_t>(vt.is_trained);
}

void read_transform_common(VectorTransform& vt, ReadStream& in) {
    vt.d_in = in.read<int32_t>();
    vt.d_out = in.read<int32_t>();
    vt.is_trained = in.read_bool();
    in.check(vt.d_in >= 0 && vt.d_in <= (1 << 20) && vt.d_out >= 0 && vt.d_out <= (1 << 20),
             "transform dimensions %d -> %d out of range", vt.d_in, vt.d_out);
}

void write_linear(const VectorTransform& vt, WriteStream& out) {
    const auto& lt = static_cast<const LinearTransform&>(vt);
    if (dynamic_cast<const RandomRotationMatrix*>(&lt)) {
        out.write_fourcc("rrot");
    } else if (const auto* pca = dynamic_cast<const PCAMatrix*>(&lt)) {
        out.write_fourcc("Pcam");
        out.write(pca->eigen_power);
        out.write(pca->epsilon);
        out.write<uint8_t>(pca->random_rotation);
        out.write<int32_t>(pca->balanced_bins);
        out.write_vector(pca->mean);
        out.write_vector(pca->eigenvalues);
        out.write_vector(pca->PCAMat);
    } else {
        out.write_fourcc("LTra");
    }
    out.write<uint8_t>(lt.have_bias);
    out.write_vector(lt.A);
    out.write_vector(lt.b);
    write_transform_common(lt, out);
}

std::unique_ptr<VectorTransform> read_linear(uint32_t code, ReadStream& in) {
    std::unique_ptr<LinearTransform> lt;
    const uint64_t max_floats = uint64_t(1) << 40;
    if (code == fourcc("rrot")) {
        lt = std::make_unique<RandomRotationMatrix>();
    } else if (code == fourcc("Pcam")) {
        auto pca = std::make_unique<PCAMatrix>();
        pca->eigen_power = in.read<float>();
        pca->epsilon = in.read<float>();
        pca->random_rotation = in.read_bool();
        pca->balanced_bins = in.read<int32_t>();
        pca->mean = in.read_vector<float>(max_floats);
        pca->eigenvalues = in.read_vector<float>(max_floats);
        pca->PCAMat = in.read_vector<float>(max_floats);
        lt = std::move(pca);
    } else {
        lt = std::make_unique<LinearTransform>();
    }
    lt->have_bias = in.read_bool();
    lt->A = in.read_vector<float>(max_floats);
    lt->b = in.read_vector<float>(max_floats);
    read_transform_common(*lt, in);
    in.check(lt->A.size() == size_t(lt->d_in) * size_t(lt->d_out) || (!lt->is_trained && lt->A.empty()),
             "linear transform matrix has %zu entries for %d x %d", lt->A.size(), lt->d_out, lt->d_in);
    in.check(lt->b.size() == (lt->have_bias && lt->is_trained ? size_t(lt->d_out) : lt->b.size()) &&
                     (lt->have_bias || lt->b.empty()),
             "linear transform bias has %zu entries for output dimension %d", lt->b.size(), lt->d_out);
    if (auto* pca = dynamic_cast<PCAMatrix*>(lt.get())) {
        in.check(pca->mean.empty() || pca->mean.size() == size_t(pca->d_in),
                 "PCA mean has %zu entries for dimension %d", pca->mean.size(), pca->d_in);
    }
    if (lt->is_trained) {
        lt->set_is_orthonormal();
    }
    return lt;
}

void write_normalization(const VectorTransform& vt, WriteStream& out) {
    out.write_fourcc("VNrm");
    out.write(static_cast<const NormalizationTransform&>(vt).norm);
    write_transform_common(vt, out);
}

std::unique_ptr<VectorTransform> read_normalization(uint32_t, ReadStream& in) {
    auto nt = std::make_unique<NormalizationTransform>();
    nt->norm = in.read<float>();
    read_transform_common(*nt, in);
    in.check(nt->norm == 2.0f && nt->d_in == nt->d_out, "unsupported normalization transform");
    return nt;
}

void write_centering(const VectorTransform& vt, WriteStream& out) {
    out.write_fourcc("VCnt");
    out.write_vector(static_cast<const CenteringTransform&>(vt).mean);
    write_transform_common(vt, out);
}

std::unique_ptr<VectorTransform> read_centering(uint32_t, ReadStream& in) {
    auto ct = std::make_unique<CenteringTransform>();
    ct->mean = in.read_vector<float>(uint64_t(1) << 20);
    read_transform_common(*ct, in);
    in.check(ct->d_in == ct->d_out && (ct->mean.size() == size_t(ct->d_in) || !ct->is_trained),
             "centering transform has %zu means for dimension %d", ct->mean.size(), ct->d_in);
    return ct;
}

/******************************************************* IndexPreTransform */

void write_pretransform(const Index& index, WriteStream& out) {
    const auto& pt = static_cast<const IndexPreTransform&>(index);
    out.write_fourcc("IxPT");
    write_index_header(pt, out);
    out.write<int32_t>(int32_t(pt.chain.size()));
    for (const auto* t : pt.chain) {
        write_transform_block(*t, out);
    }
    write_index_block(pt.index, out);
}

std::unique_ptr<Index> read_pretransform(uint32_t, ReadStream& in) {
    auto pt = std::make_unique<IndexPreTransform>();
    pt->own_fields = true;
    read_index_header(*pt, in);
    int32_t nt = in.read<int32_t>();
    in.check(nt >= 0 && nt <= 64, "IndexPreTransform with %d transforms", nt);
    int expected_d = pt->d;
    for (int32_t i = 0; i < nt; i++) {
        auto t = read_transform_block(in);
        in.check(t->d_in == expected_d, "transform %d takes dimension %d, %d expected", i, t->d_in,
                 expected_d);
        expected_d = t->d_out;
        pt->chain.push_back(t.release());
    }
    auto sub = read_index_block(in);
    in.check(sub != nullptr && sub->d == expected_d, "IndexPreTransform sub-index dimension mismatch");
    pt->index = sub.release();
    return pt;
}

/******************************************************* IndexRefine */

void write_refine(const Index& index, WriteStream& out) {
    const auto& rf = static_cast<const IndexRefine&>(index);
    out.write_fourcc("IxRF");
    write_index_header(rf, out);
    write_index_block(rf.base_index, out);
    write_index_block(rf.refine_index, out);
    out.write(rf.k_factor);
}

std::unique_ptr<Index> read_refine(uint32_t, ReadStream& in) {
    // Like Faiss: an IndexRefineFlat when the refine index is flat.
    IndexRefine h; // holds the header until the type is known
    read_index_header(h, in);
    auto base = read_index_block(in);
    auto refine = read_index_block(in);
    in.check(base && refine, "IndexRefine without base or refine index");
    in.check(base->d == h.d && refine->d == h.d && base->ntotal == refine->ntotal,
             "IndexRefine parts disagree on dimension or size");
    float k_factor = in.read<float>();
    in.check(k_factor >= 1 && k_factor < 1e6f, "IndexRefine k_factor %g out of range", double(k_factor));
    std::unique_ptr<IndexRefine> rf = dynamic_cast<IndexFlat*>(refine.get())
            ? std::unique_ptr<IndexRefine>(std::make_unique<IndexRefineFlat>())
            : std::make_unique<IndexRefine>();
    rf->d = h.d;
    rf->ntotal = h.ntotal;
    rf->is_trained = h.is_trained;
    rf->metric_type = h.metric_type;
    rf->metric_arg = h.metric_arg;
    rf->base_index = base.release();
    rf->refine_index = refine.release();
    rf->own_fields = rf->own_refine_index = true;
    rf->k_factor = k_factor;
    return rf;
}

} // namespace

void register_core_io() {
    using builtin_detail::add_index;
    using builtin_detail::add_transform;
    add_index({{"IxF2", "IxFI", "IxFl"},
               {typeid(IndexFlat), typeid(IndexFlatL2), typeid(IndexFlatIP)},
               write_flat,
               read_flat});
    add_index({{"IxMp", "IxM2"}, {typeid(IndexIDMap), typeid(IndexIDMap2)}, write_idmap, read_idmap});
    add_index({{"IxPT"}, {typeid(IndexPreTransform)}, write_pretransform, read_pretransform});
    add_index({{"IxRF"}, {typeid(IndexRefine), typeid(IndexRefineFlat)}, write_refine, read_refine});
    // OPQMatrix is written as a plain LinearTransform ("LTra") and read back
    // as one, as Faiss does: its training parameters are not kept.
    add_transform({{"rrot", "Pcam", "LTra"},
                   {typeid(LinearTransform), typeid(RandomRotationMatrix), typeid(PCAMatrix), typeid(OPQMatrix)},
                   write_linear,
                   read_linear});
    add_transform({{"VNrm"}, {typeid(NormalizationTransform)}, write_normalization, read_normalization});
    add_transform({{"VCnt"}, {typeid(CenteringTransform)}, write_centering, read_centering});
}

void register_builtin_io() {
    register_core_io();
    register_ivf_io();
    register_quantizer_io();
    register_hnsw_io();
}

} // namespace faisslike
