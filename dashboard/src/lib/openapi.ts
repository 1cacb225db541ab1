/**
 * A lean view of the API's OpenAPI 3.1 document (GET /api/v1/openapi.json, api/openapi.ts) for the API reference
 * page: operations by tag with their parameters, body and answers, and the named schemas as property tables.
 */

type JsonSchema = { [key: string]: unknown };

export interface FieldView {
	name: string;
	type: string;
	required: boolean;
	description: string;
}

export interface OperationView {
	id: string;
	method: string;
	path: string;
	summary: string;
	description: string;
	public: boolean;
	parameters: (FieldView & { in: string })[];
	body: string | null;
	bodyExample: string | null;
	responses: { status: string; description: string; type: string | null }[];
}

export interface ApiReference {
	title: string;
	version: string;
	description: string;
	tags: { name: string; operations: OperationView[] }[];
	schemas: { name: string; description: string; fields: FieldView[]; type: string }[];
}

const refName = (ref: unknown) => String(ref).split('/').pop() ?? '';

/** A short, readable type: `string`, `integer ≤ 200`, `Integration[]`, `"a" | "b"`, `string | null`. */
export function typeLabel(schema: unknown): string {
	if (!schema || typeof schema !== 'object') return 'any';
	const s = schema as JsonSchema;
	if (s.$ref) return refName(s.$ref);
	if ('const' in s) return JSON.stringify(s.const);
	if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
	const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
	if (Array.isArray(union)) return union.map(typeLabel).join(' | ');
	const types = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [String(s.type)] : [];
	if (types.length > 1) return types.map((type) => typeLabel({ ...s, type })).join(' | ');
	switch (types[0]) {
		case 'array':
			return `${typeLabel(s.items)}[]`;
		case 'object':
			return s.properties ? 'object' : s.additionalProperties ? `map of ${typeLabel(s.additionalProperties)}` : 'object';
		case 'string':
			return s.format ? `string (${s.format})` : s.pattern ? `string /${s.pattern}/` : 'string';
		case 'integer':
		case 'number': {
			const bounds = [s.minimum !== undefined ? `≥ ${s.minimum}` : '', s.maximum !== undefined && Number(s.maximum) < 1e15 ? `≤ ${s.maximum}` : '']
				.filter(Boolean)
				.join(', ');
			return bounds ? `${types[0]} (${bounds})` : types[0];
		}
		default:
			return types[0] ?? 'any';
	}
}

function fields(schema: JsonSchema): FieldView[] {
	const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
	const required = new Set((schema.required as string[] | undefined) ?? []);
	return Object.entries(properties).map(([name, s]) => ({
		name,
		type: typeLabel(s),
		required: required.has(name),
		description: [s.description, s.default !== undefined ? `Default: ${JSON.stringify(s.default)}.` : ''].filter(Boolean).join(' '),
	}));
}

/** The `data` type of a `{ data }` answer, or the schema's own label. */
function responseType(content: unknown): string | null {
	const media = content && typeof content === 'object' ? (Object.values(content as Record<string, JsonSchema>)[0] as JsonSchema | undefined) : undefined;
	const schema = media?.schema as JsonSchema | undefined;
	if (!schema) return null;
	if (schema.$ref) return refName(schema.$ref);
	const data = (schema.properties as Record<string, JsonSchema> | undefined)?.data;
	const list = (schema.properties as Record<string, JsonSchema> | undefined)?.nextCursor ? ' (paged: nextCursor)' : '';
	return data ? `{ data: ${typeLabel(data)} }${list}` : typeLabel(schema);
}

export function apiReference(doc: JsonSchema): ApiReference {
	const info = (doc.info ?? {}) as JsonSchema;
	const components = (doc.components ?? {}) as { schemas?: Record<string, JsonSchema>; responses?: Record<string, JsonSchema> };
	const byTag = new Map<string, OperationView[]>();
	for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, JsonSchema>>)) {
		for (const [method, op] of Object.entries(item)) {
			const parameters = ((op.parameters ?? []) as JsonSchema[]).map((p) => ({
				name: String(p.name),
				in: String(p.in),
				type: typeLabel(p.schema),
				required: Boolean(p.required),
				description: String(p.description ?? (p.schema as JsonSchema | undefined)?.description ?? ''),
			}));
			const media = ((op.requestBody as JsonSchema | undefined)?.content ?? {}) as Record<string, JsonSchema>;
			const json = media['application/json'];
			const responses = Object.entries((op.responses ?? {}) as Record<string, JsonSchema>).map(([status, r]) => {
				const resolved = r.$ref ? (components.responses?.[refName(r.$ref)] ?? {}) : r;
				return { status, description: String(resolved.description ?? ''), type: responseType(resolved.content) };
			});
			const view: OperationView = {
				id: String(op.operationId),
				method: method.toUpperCase(),
				path,
				summary: String(op.summary ?? ''),
				description: String(op.description ?? ''),
				public: Array.isArray(op.security) && op.security.length === 0,
				parameters,
				body: json ? typeLabel(json.schema) : Object.keys(media).length ? 'any (passed through)' : null,
				bodyExample: json?.example !== undefined ? JSON.stringify(json.example, null, 2) : null,
				responses,
			};
			const tag = String((op.tags as string[] | undefined)?.[0] ?? 'Other');
			byTag.set(tag, [...(byTag.get(tag) ?? []), view]);
		}
	}
	const order = ((doc.tags ?? []) as { name: string }[]).map((t) => t.name);
	return {
		title: String(info.title ?? 'API'),
		version: String(info.version ?? ''),
		description: String(info.description ?? ''),
		tags: [...byTag.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([name, operations]) => ({ name, operations })),
		schemas: Object.entries(components.schemas ?? {}).map(([name, s]) => ({
			name,
			description: String(s.description ?? ''),
			fields: fields(s),
			type: typeLabel(s),
		})),
	};
}
