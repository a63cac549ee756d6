// File blocks of the quantizer-based indexes, byte for byte as Faiss writes them:
// IndexPQ ("IxPq"), IndexScalarQuantizer ("IxSQ"), IndexIVFPQ ("IwPQ"),
// IndexIVFScalarQuantizer ("IwSq"), with their ProductQuantizer and
// ScalarQuantizer sub-blocks.

#include <faisslike/IndexIVFPQ.h>
#include <faisslike/IndexPQ.h>
#include <faisslike/IndexScalarQuantizer.h>
#include <faisslike/impl/FaisslikeException.h>
#include <faisslike/impl/io_builtin.h>
#include <faisslike/index_io.h>

namespace faisslike {

namespace {

/******************************************************* sub-blocks */

void write_pq(const ProductQuantizer& pq, WriteStream& out) {
    out.write<uint64_t>(pq.d);
    out.write<uint64_t>(pq.M);
    out.write<uint64_t>(pq.nbits);
    out.write_vector(pq.centroids);
}

void read_pq(ProductQuantizer& pq, int expected_d, ReadStream& in) {
    uint64_t d = in.read<uint64_t>(), M = in.read<uint64_t>(), nbits = in.read<uint64_t>();
    in.check(d == uint64_t(expected_d), "product quantizer of dimension %llu in an index of dimension %d",
             (unsigned long long)d, expected_d);
    in.check(M > 0 && M <= d && d % M == 0, "product quantizer with M = %llu for d = %llu",
             (unsigned long long)M, (unsigned long long)d);
    in.check(nbits >= 1 && nbits <= 16, "product quantizer with %llu bits per code (1..16 supported)",
             (unsigned long long)nbits);
    pq = ProductQuantizer(size_t(d), size_t(M), size_t(nbits));
    pq.centroids = in.read_vector<float>(uint64_t(d) << nbits);
    in.check(pq.centroids.empty() || pq.centroids.size() == size_t(d) << nbits,
             "product quantizer has %zu centroid values, %llu expected", pq.centroids.size(),
             (unsigned long long)(d << nbits));
}

void write_sq(const ScalarQuantizer& sq, WriteStream& out) {
    out.write<int32_t>(sq.qtype);
    out.write<int32_t>(sq.rangestat);
    out.write(sq.rangestat_arg);
    out.write<uint64_t>(sq.d);
    out.write<uint64_t>(sq.code_size);
    out.write_vector(sq.trained);
}

void read_sq(ScalarQuantizer& sq, int expected_d, ReadStream& in) {
    int32_t qtype = in.read<int32_t>();
    int32_t rangestat = in.read<int32_t>();
    float rangestat_arg = in.read<float>();
    uint64_t d = in.read<uint64_t>(), code_size = in.read<uint64_t>();
    in.check(d == uint64_t(expected_d), "scalar quantizer of dimension %llu in an index of dimension %d",
             (unsigned long long)d, expected_d);
    in.check(qtype >= ScalarQuantizer::QT_8bit && qtype <= ScalarQuantizer::QT_8bit_direct_signed,
             "scalar quantizer type %d not supported", qtype);
    in.check(rangestat >= ScalarQuantizer::RS_minmax && rangestat <= ScalarQuantizer::RS_optim,
             "scalar quantizer range statistic %d unknown", rangestat);
    sq = ScalarQuantizer(size_t(d), ScalarQuantizer::QuantizerType(qtype));
    sq.rangestat = ScalarQuantizer::RangeStat(rangestat);
    sq.rangestat_arg = rangestat_arg;
    in.check(code_size == sq.code_size, "scalar quantizer code size %llu, %zu expected for its type",
             (unsigned long long)code_size, sq.code_size);
    sq.trained = in.read_vector<float>(2 * d);
    in.check(sq.trained.empty() || sq.is_trained(), "scalar quantizer holds %zu trained values",
             sq.trained.size());
}

/******************************************************* IndexPQ / IndexScalarQuantizer */

void write_index_pq(const Index& index, WriteStream& out) {
    const auto& idx = static_cast<const IndexPQ&>(index);
    out.write_fourcc("IxPq");
    write_index_header(idx, out);
    write_pq(idx.pq, out);
    out.write_vector(idx.codes.data(), idx.codes.size());
    out.write<int32_t>(idx.search_type);
    out.write<uint8_t>(idx.encode_signs);
    out.write<int32_t>(idx.polysemous_ht);
}

std::unique_ptr<Index> read_index_pq(uint32_t, ReadStream& in) {
    auto idx = std::make_unique<IndexPQ>();
    read_index_header(*idx, in);
    read_pq(idx->pq, idx->d, in);
    idx->code_size = idx->pq.code_size;
    in.read_vector_as_bytes<uint8_t>(idx->codes, uint64_t(idx->ntotal), idx->code_size);
    int32_t search_type = in.read<int32_t>();
    in.check(search_type == IndexPQ::ST_PQ, "IndexPQ search type %d is not supported (only ST_PQ)", search_type);
    idx->search_type = IndexPQ::Search_type_t(search_type);
    idx->encode_signs = in.read_bool();
    idx->polysemous_ht = in.read<int32_t>();
    in.check(!idx->is_trained || !idx->pq.centroids.empty(), "trained IndexPQ without centroids");
    return idx;
}

void write_index_sq(const Index& index, WriteStream& out) {
    const auto& idx = static_cast<const IndexScalarQuantizer&>(index);
    out.write_fourcc("IxSQ");
    write_index_header(idx, out);
    write_sq(idx.sq, out);
    out.write_vector(idx.codes.data(), idx.codes.size());
}

std::unique_ptr<Index> read_index_sq(uint32_t, ReadStream& in) {
    auto idx = std::make_unique<IndexScalarQuantizer>();
    read_index_header(*idx, in);
    read_sq(idx->sq, idx->d, in);
    idx->code_size = idx->sq.code_size;
    in.read_vector_as_bytes<uint8_t>(idx->codes, uint64_t(idx->ntotal), idx->code_size);
    in.check(!idx->is_trained || idx->sq.is_trained(), "trained IndexScalarQuantizer without ranges");
    return idx;
}

/******************************************************* IVF */

void write_index_ivfpq(const Index& index, WriteStream& out) {
    const auto& ivf = static_cast<const IndexIVFPQ&>(index);
    out.write_fourcc("IwPQ");
    write_ivf_header(ivf, out);
    out.write<uint8_t>(ivf.by_residual);
    out.write<uint64_t>(ivf.code_size);
    write_pq(ivf.pq, out);
    write_invlists_block(ivf.invlists, out);
}

std::unique_ptr<Index> read_index_ivfpq(uint32_t, ReadStream& in) {
    auto ivf = std::make_unique<IndexIVFPQ>();
    read_ivf_header(*ivf, in);
    ivf->by_residual = in.read_bool();
    uint64_t code_size = in.read<uint64_t>();
    read_pq(ivf->pq, ivf->d, in);
    in.check(code_size == ivf->pq.code_size, "IndexIVFPQ code size %llu, the PQ gives %zu",
             (unsigned long long)code_size, ivf->pq.code_size);
    ivf->code_size = size_t(code_size);
    read_ivf_invlists(*ivf, in);
    in.check(!ivf->is_trained || !ivf->pq.centroids.empty(), "trained IndexIVFPQ without PQ centroids");
    // Search tables are derived data: Faiss does not store them either.
    if (ivf->is_trained && !(in.io_flags() & IO_FLAG_SKIP_PRECOMPUTE_TABLE)) {
        ivf->precompute_table();
    }
    return ivf;
}

void write_index_ivfsq(const Index& index, WriteStream& out) {
    const auto& ivf = static_cast<const IndexIVFScalarQuantizer&>(index);
    out.write_fourcc("IwSq");
    write_ivf_header(ivf, out);
    write_sq(ivf.sq, out);
    out.write<uint64_t>(ivf.code_size);
    out.write<uint8_t>(ivf.by_residual);
    write_invlists_block(ivf.invlists, out);
}

std::unique_ptr<Index> read_index_ivfsq(uint32_t, ReadStream& in) {
    auto ivf = std::make_unique<IndexIVFScalarQuantizer>();
    read_ivf_header(*ivf, in);
    read_sq(ivf->sq, ivf->d, in);
    uint64_t code_size = in.read<uint64_t>();
    in.check(code_size == ivf->sq.code_size, "IndexIVFScalarQuantizer code size %llu, the quantizer gives %zu",
             (unsigned long long)code_size, ivf->sq.code_size);
    ivf->code_size = size_t(code_size);
    ivf->by_residual = in.read_bool();
    read_ivf_invlists(*ivf, in);
    in.check(!ivf->is_trained || ivf->sq.is_trained(), "trained IndexIVFScalarQuantizer without ranges");
    return ivf;
}

} // namespace

void register_quantizer_io() {
    using builtin_detail::add_index;
    add_index({{"IxPq"}, {typeid(IndexPQ)}, write_index_pq, read_index_pq});
    add_index({{"IxSQ"}, {typeid(IndexScalarQuantizer)}, write_index_sq, read_index_sq});
    add_index({{"IwPQ"}, {typeid(IndexIVFPQ)}, write_index_ivfpq, read_index_ivfpq});
    add_index({{"IwSq"}, {typeid(IndexIVFScalarQuantizer)}, write_index_ivfsq, read_index_ivfsq});
}

} // namespace faisslike
