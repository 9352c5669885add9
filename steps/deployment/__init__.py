from steps.deployment.build_bento import build_bento
from steps.deployment.check_parity import check_parity
from steps.deployment.deploy_service import deploy_service
from steps.deployment.import_model import import_model
from steps.deployment.resolve_champion import resolve_champion

__all__ = ["build_bento", "check_parity", "deploy_service", "import_model", "resolve_champion"]
