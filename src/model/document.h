/* The model document: the one path from a YAML document (libfyaml) to a
 * validated sf_model, shared by model files (src/model/parse.c) and the
 * builder (src/model/builder.c), so that a model built by calls passes
 * through exactly the validation a file does.
 *
 * Invariant: nothing here keeps the document; it stays owned by the caller.
 */
#ifndef SF_MODEL_DOCUMENT_H
#define SF_MODEL_DOCUMENT_H

#include "spikefield/model.h"

struct fy_document;

/* Validates doc (built in memory: messages name `name` and the key path,
 * no line and column) into *out, whose sf_model_file is "". doc is read,
 * not changed, so a failed document may be corrected and parsed again. */
sf_status sf_model_document_parse(sf_context *ctx, struct fy_document *doc, const char *name,
                                  sf_model **out);

/* Applies set = "dotted.path=value" (YAML value) to doc as `--set` does,
 * creating missing mappings; messages start with caller. */
sf_status sf_model_document_set(sf_context *ctx, struct fy_document *doc, const char *name,
                                const char *caller, const char *set);

#endif
