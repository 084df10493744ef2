// n8n's logger prints every node error it records; the tests provoke hundreds on purpose, and they drown
// the results. Set N8N_LOG_LEVEL to see them again. (The fault suite keeps the logger on: it searches
// the logged lines for leaked secrets.)
process.env.N8N_LOG_LEVEL ??= 'silent';
