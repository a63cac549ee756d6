#include "MetaIndexes_c.h"

#include <faisslike/IndexIDMap.h>

#include "c_api_impl.h"

using faisslike::IndexIDMap;
using faisslike::IndexIDMap2;
using faisslike_c::get;
using faisslike_c::guarded;
using faisslike_c::put;

namespace {

void id_map_of(FaissIndex* index, idx_t** p_id_map, size_t* p_size) {
    IndexIDMap* map = faisslike_c::as<IndexIDMap>(index);
    if (p_id_map) {
        *p_id_map = map ? map->id_map.data() : nullptr;
    }
    if (p_size) {
        *p_size = map ? map->id_map.size() : 0;
    }
}

FaissIndex* sub_index_of(FaissIndex* index) {
    IndexIDMap* map = faisslike_c::as<IndexIDMap>(index);
    return map ? faisslike_c::handle<FaissIndex>(map->index) : nullptr;
}

} // namespace

extern "C" {

FAISSLIKE_C_GETTER_SETTER(IndexIDMap, IndexIDMap, int, own_fields, own_fields)

int faiss_IndexIDMap_new(FaissIndexIDMap** p_index, FaissIndex* index) {
    return guarded(__func__, [&] {
        auto& sub = get<faisslike::Index>(index, "index");
        put(p_index, std::make_unique<IndexIDMap>(&sub), "p_index");
    });
}

FAISSLIKE_C_INDEX_DOWNCAST(IndexIDMap, IndexIDMap)

void faiss_IndexIDMap_id_map(FaissIndexIDMap* index, idx_t** p_id_map, size_t* p_size) {
    id_map_of(index, p_id_map, p_size);
}

FaissIndex* faiss_IndexIDMap_sub_index(FaissIndexIDMap* index) {
    return sub_index_of(index);
}

FAISSLIKE_C_GETTER_SETTER(IndexIDMap2, IndexIDMap2, int, own_fields, own_fields)

int faiss_IndexIDMap2_new(FaissIndexIDMap2** p_index, FaissIndex* index) {
    return guarded(__func__, [&] {
        auto& sub = get<faisslike::Index>(index, "index");
        put(p_index, std::make_unique<IndexIDMap2>(&sub), "p_index");
    });
}

int faiss_IndexIDMap2_construct_rev_map(FaissIndexIDMap2* index) {
    return guarded(__func__, [&] { get<IndexIDMap2>(index, "index").construct_rev_map(); });
}

FAISSLIKE_C_INDEX_DOWNCAST(IndexIDMap2, IndexIDMap2)

void faiss_IndexIDMap2_id_map(FaissIndexIDMap2* index, idx_t** p_id_map, size_t* p_size) {
    id_map_of(index, p_id_map, p_size);
}

FaissIndex* faiss_IndexIDMap2_sub_index(FaissIndexIDMap2* index) {
    return sub_index_of(index);
}

} // extern "C"
