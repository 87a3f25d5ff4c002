"""Markdown table of one or more bench result files, side by side: `python bench/report.py a.json b.json`."""

import json
import sys

ROWS = [
    ("Floor: /about/ median (ms)", "floor_ms", None),
    ("Dashboard median (ms) / × floor", "dashboard_ms", "dashboard_ratio"),
    ("  floor measured alongside it (ms)", "dashboard_floor_ms", None),
    ("  ratio to the floor at the start of the run", "dashboard_ratio_to_run_floor", None),
    ("Control list page median (ms) / × floor", "control_list_page_ms", "control_list_page_ratio"),
    ("  floor measured alongside it (ms)", "control_list_page_floor_ms", None),
    ("  ratio to the floor at the start of the run", "control_list_page_ratio_to_run_floor", None),
    ("Control list page queries, 1/5 of the register", "control_list_page_queries_small", None),
    ("Control list page queries, whole register", "control_list_page_queries_large", None),
    ("Control API, 1,000 per request, median (ms)", "control_api_1000_ms", None),
    ("Control API queries", "control_api_1000_queries", None),
    ("TOM annex via export job (ms) / × WeasyPrint alone", "annex_500_ms", "annex_ratio"),
    ("TOM annex, WeasyPrint alone (ms)", "annex_weasyprint_only_ms", None),
    ("Reminder sweep (s)", "reminder_sweep_s", None),
    ("Reminder sweep queries", "reminder_sweep_queries", None),
    ("Reminder sweep peak RSS (MB)", "reminder_sweep_peak_rss_mb", None),
    ("verify_audit_trail (events/s)", "audit_verify_events_per_s", None),
    ("verify_audit_trail peak RSS (MB)", "audit_verify_peak_rss_mb", None),
    ("Load: requests/s", "load_rps", None),
    ("Load: p50 (ms)", "load_p50_ms", None),
    ("Load: p99 (ms)", "load_p99_ms", None),
    ("Load: errors", "load_errors", None),
]


def cell(result: dict, key: str, ratio: str | None) -> str:
    value = result.get(key)
    if value is None:
        return "—"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} ({result[ratio]:.2f}×)" if ratio and ratio in result else text


def main(paths: list[str]) -> None:
    results = [json.loads(open(p).read()) for p in paths]  # noqa: SIM115 - tiny files
    sizes = [
        f"{r['scale']} ({r.get('control_list_page', {}).get('controls', '?'):,} controls, "
        f"{r.get('audit_verify', {}).get('events', 0):,} events, "
        f"{r.get('reminder_sweep', {}).get('items_added', 0):,} sweep items)"
        for r in results
    ]
    print("| figure | " + " | ".join(sizes) + " |")
    print("|---|" + "---|" * len(results))
    for label, key, ratio in ROWS:
        print(f"| {label} | " + " | ".join(cell(r, key, ratio) for r in results) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
