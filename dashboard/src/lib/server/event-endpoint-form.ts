import { ApiError } from './api.ts';
import { text } from './forms.ts';

/** The create/edit form of an event endpoint: url, description and the event-type checkboxes. */
export interface EndpointFormValues {
	url: string;
	description: string;
	/** The checked types; none checked means every type (the API's `null`), including types added later. */
	eventTypes: string[];
}

export function readEndpointForm(form: FormData): { values: EndpointFormValues; fieldErrors: Record<string, string> } {
	const values = {
		url: text(form, 'url'),
		description: text(form, 'description', 500),
		eventTypes: [
			...new Set(
				form
					.getAll('eventTypes')
					.filter((v): v is string => typeof v === 'string')
					.map((v) => v.slice(0, 100)),
			),
		],
	};
	const fieldErrors: Record<string, string> = {};
	if (!values.url) fieldErrors.url = 'Enter the URL Plugboard should POST events to.';
	else if (!/^https?:\/\/\S+$/i.test(values.url)) fieldErrors.url = 'Enter an http(s) URL, such as https://api.example.com/plugboard-events.';
	return { values, fieldErrors };
}

/** The API's validation details by form field (`eventTypes.0` → `eventTypes`). */
export function endpointFieldErrors(error: unknown): Record<string, string> {
	if (!(error instanceof ApiError)) return {};
	const out: Record<string, string> = {};
	for (const d of error.details) {
		const field = d.path.split('.')[0];
		if (field && !out[field]) out[field] = d.message;
	}
	if (error.code === 'url_not_allowed' && !out.url) out.url = error.message;
	return out;
}

/** Form values for the page to refill after an error (only text fields ride in ActionData.values). */
export function refill(values: EndpointFormValues): Record<string, string> {
	return { url: values.url, description: values.description, eventTypes: values.eventTypes.join(',') };
}
