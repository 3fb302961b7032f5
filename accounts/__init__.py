"""Keep AWS accounts in order: project tags (ProjectTag) and monitoring (MonitorTarget).

Plain domain code — no Kubernetes. The operator's handlers call :func:`reconcile_project_tag`
and :func:`reconcile_monitor_target` with the object's spec and apply the returned status patch
and Events; it serves :class:`MetricsRegistry` on ``/metrics``. The CLI (``autcloud tags``,
``autcloud monitor``) drives the same functions. AWS is reached through :mod:`autcloud.aws`,
the layer the scanner uses too.
"""

from autcloud.accounts.conditions import Event
from autcloud.accounts.insights import Insight
from autcloud.accounts.metrics import CONTENT_TYPE, MetricsRegistry, Reading
from autcloud.accounts.monitor_target import MonitorTargetResult, reconcile_monitor_target
from autcloud.accounts.project_tag import ProjectTagResult, reconcile_project_tag
from autcloud.aws import AwsClients, CredentialsSecretError

__all__ = [
    "CONTENT_TYPE",
    "AwsClients",
    "CredentialsSecretError",
    "Event",
    "Insight",
    "MetricsRegistry",
    "MonitorTargetResult",
    "ProjectTagResult",
    "Reading",
    "reconcile_monitor_target",
    "reconcile_project_tag",
]
