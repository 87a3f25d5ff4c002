from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"

    def ready(self):
        from controls.live_facts import register
        from training.evidence import live_completion_fact

        register("training.completion", live_completion_fact)
