"""Deployment: champion (exact version) -> BentoML model -> Bento -> ZenML-managed service -> HTTP parity check."""

from zenml import pipeline

from conveyor.config import DeploymentParams, ModelSection
from steps.deployment import build_bento, check_parity, deploy_service, import_model, resolve_champion


@pipeline
def deployment_pipeline(params: DeploymentParams, model: ModelSection) -> None:
    """Serve the current champion; a new champion replaces the running service, the same one reuses it."""
    champion = resolve_champion(model_name=model.name)
    bento_model_tag = import_model(champion=champion)
    bento_tag = build_bento(bento_model_tag=bento_model_tag, settings=params.service, deployment=params.deployment)
    deployment = deploy_service(
        bento_tag=bento_tag,
        champion=champion,
        settings=params.service,
        deployment=params.deployment,
        timeout=params.timeout,
    )
    check_parity(
        deployment=deployment,
        champion=champion,
        rows=params.parity_rows,
        seed=params.parity_seed,
        tolerance=params.parity_tolerance,
        timeout=params.timeout,
    )
