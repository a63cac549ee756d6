#pragma once

// Lets code written for Faiss compile against faisslike by changing only its includes.
namespace faisslike {}
namespace faiss = faisslike;
