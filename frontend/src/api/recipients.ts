/** `POST /warnings/preview`: who a draft's rules would call now, without issuing. */
export interface PreviewPerson {
  person_id: number;
  name: string;
  org_id: number;
  org_name: string;
  township_id: number | null;
  township_name: string | null;
  reason: string;
}

export interface PreviewTownship {
  org_id: number | null;
  name: string | null;
  count: number;
}

export interface RecipientsPreview {
  count: number;
  by_township: PreviewTownship[];
  people: PreviewPerson[];
}

export type RecipientRule =
  | { rule: "people"; person_ids: number[] }
  | { rule: "responsible_persons"; org_ids: number[]; tag: string }
  | { rule: "leaders_on_duty"; org_ids: number[] }
  | { rule: "team_leaders"; team_types: string[]; org_ids?: number[] }
  | { rule: "responsible_in_area"; tag?: string; kinds?: ("township" | "village")[] };

export interface PreviewCreate {
  org_ids: number[];
  polygon?: [number, number][] | null;
  recipients?: number[];
  rules: RecipientRule[];
  limit?: number;
}
