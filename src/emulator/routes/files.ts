import { newFileId, unixSeconds } from '../ids';
import { FILE_LIST_LIMITS, paginate, parseListQuery } from '../pagination';
import { json, param, readBody, type Route } from '../router';
import type { FileDeletionStatus, OpenAIFileObject } from '../wire-types';

/**
 * Files: upload (multipart), list (with `purpose`), get, delete, download. Bytes are kept in memory;
 * every upload is `processed` at once (the deprecated `status` field is still sent, as the service does).
 */
export const FILE_ROUTES: readonly Route[] = [
  {
    method: 'POST',
    template: '/files',
    handler: (context, { store, ledger }) => {
      const body = readBody(context, 'CreateFileRequest');
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
