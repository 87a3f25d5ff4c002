"""What the benchmark measures. Each domain adds its pages and offline jobs here."""

from collections.abc import Callable, Iterator


def pages(user, session: str, latency: Callable, queries_for: Callable, floor_ms: float) -> Iterator[tuple[str, dict]]:
    dash = latency("/", session)
    yield "dashboard", {
        "dashboard": dash,
        "dashboard_ms": dash["median_ms"],
        "dashboard_ratio": round(dash["median_ms"] / floor_ms, 2),
        "dashboard_queries": queries_for("/", user),
    }


def load_paths(user) -> list[str]:
    return ["/", "/about/"]


def offline(measure_command: Callable) -> Iterator[tuple[str, dict]]:
    from portal.audit.models import AuditEvent

    events = AuditEvent.objects.count()
    verify = measure_command("verify_audit_trail")
    yield "verify_audit_trail", {
        "audit_verify": {**verify, "events": events},
        "audit_verify_events_per_s": round(events / verify["seconds"]),
        "audit_verify_peak_rss_mb": round(verify["peak_rss_mb"], 1),
    }


ROWS = [
    ("floor: /about/ median", "floor_ms", "ms", None),
    ("dashboard / median", "dashboard_ms", "ms", "dashboard_ratio"),
    ("dashboard queries", "dashboard_queries", "", None),
    ("control list page median", "control_list_page_ms", "ms", "control_list_page_ratio"),
    ("control list page queries (1,000 / 5,000)", "control_list_page_queries_small", "", None),
    ("control API 1,000 median", "control_api_1000_ms", "ms", None),
    ("control API 1,000 queries", "control_api_1000_queries", "", None),
    ("TOM annex 500 controls, job", "annex_500_ms", "ms", "annex_ratio"),
    ("TOM annex, WeasyPrint alone", "annex_weasyprint_only_ms", "ms", None),
    ("reminder sweep", "reminder_sweep_s", "s", None),
    ("reminder sweep peak RSS", "reminder_sweep_peak_rss_mb", "MB", None),
    ("verify_audit_trail", "audit_verify_events_per_s", "events/s", None),
    ("verify_audit_trail peak RSS", "audit_verify_peak_rss_mb", "MB", None),
    ("load: requests/s", "load_rps", "", None),
    ("load: p99", "load_p99_ms", "ms", None),
    ("load: errors", "load_errors", "", None),
]


def print_table(results: dict) -> None:
    print(f"\nAnnex benchmark, scale {results['scale']}")
    print(f"{'figure':<45} {'value':>14}  {'x floor':>8}")
    for label, key, unit, ratio_key in ROWS:
        if key not in results:
            print(f"{label:<45} {'not measured':>14}")
            continue
        ratio = f"{results[ratio_key]:.2f}" if ratio_key and ratio_key in results else ""
        print(f"{label:<45} {results[key]:>11} {unit:<3} {ratio:>8}")
