import { isFoundryDialect } from '../dialects';
import { newFileId, unixSeconds } from '../ids';
import { formFields, UploadedFile } from '../multipart';
import { FILE_LIST_LIMITS, paginate, parseListQuery } from '../pagination';
import { json, param, readBody, type RequestContext, type Route } from '../router';
import type { FileDeletionStatus, OpenAIFileObject } from '../wire-types';

/**
 * The upload's fields as the schema validates them. Microsoft's Python SDKs (`azure-ai-projects`
 * 1.0.0b, `azure-ai-agents`) upload bytes as a `file` part without a filename and name the file in a
 * separate `filename` field; Foundry takes the name from that field, falling back to the part's own
 * filename. Elsewhere (and with neither) a part without a filename is text, which the schema refuses
 * as the service does: `Invalid type for 'file': expected a file, but got a string instead.`
 */
function uploadFields(context: RequestContext): unknown {
  if (context.form === undefined) return context.body ?? {};
  const fields = formFields(context.form);
  const filename = fields['filename'];
  const filePart = context.form.filter((part) => part.name === 'file').pop();
  if (isFoundryDialect(context.dialect) && filePart !== undefined && typeof filename === 'string' && filename !== '') {
    fields['file'] = new UploadedFile(filename, filePart.content);
  }
  return fields;
}

/**
 * Files: upload (multipart), list (with `purpose`), get, delete, download. Bytes are kept in memory;
 * every upload is `processed` at once (the deprecated `status` field is still sent, as the service does).
 */
export const FILE_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    template: '/files',
    handler: (context, { store, ledger }) => {
      const body = readBody(context, 'CreateFileRequest', uploadFields(context));
      const createdAt = unixSeconds();
      const file: OpenAIFileObject = {
        id: newFileId(),
        object: 'file',
        bytes: body.file.content.length,
        created_at: createdAt,
        filename: body.file.filename,
        purpose: body.purpose,
        status: 'processed',
      };
      if (body.expires_after !== undefined) file.expires_at = createdAt + body.expires_after.seconds;
      store.files.set(file.id, { file, content: body.file.content, attachments: new Set() });
      ledger.recordFileUploaded();
      return json(file);
    },
  },
  {
    method: 'GET',
    template: '/files',
    handler: (context, { store }) => {
      const purpose = context.query.get('purpose');
      const files = [...store.files.values()].map((stored) => stored.file);
      const matching = purpose === null ? files : files.filter((file) => file.purpose === purpose);
      return json(paginate(matching, parseListQuery(context.query, FILE_LIST_LIMITS)));
    },
  },
  {
    method: 'GET',
    template: '/files/{file_id}',
    handler: (context, { store }) => json(store.file(param(context, 'file_id')).file),
  },
  {
    method: 'DELETE',
    template: '/files/{file_id}',
    handler: (context, { store, vectorStores }) => {
      const stored = store.file(param(context, 'file_id'));
      // As the service: deleting a file also removes it from every vector store.
      vectorStores.deleteFile(stored);
      const deletion: FileDeletionStatus = { id: stored.file.id, object: 'file', deleted: true };
      return json(deletion);
    },
  },
  {
    method: 'GET',
    template: '/files/{file_id}/content',
    handler: (context, { store }) => ({
      kind: 'bytes',
      body: store.file(param(context, 'file_id')).content,
      contentType: 'application/octet-stream',
    }),
  },
];
