from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"

    def ready(self):
        from controls.live_facts import register
        from portal.accounts.role_listeners import register_roles_listener
        from training.evidence import live_completion_fact
        from training.sweep import assignments_on_roles_changed

        register("training.completion", live_completion_fact)
        register_roles_listener("training.assignments", assignments_on_roles_changed)
