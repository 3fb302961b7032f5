"""Scan an AWS account (boto3) into Terraform with ``import {}`` blocks, an inventory and a
diagram. The entry points are :func:`scan` (read the account) and :func:`write_scan` (write the
folder); ``autcloud scan`` and the operator's account import drive both.
"""

from autcloud.scanner.errors import ScanCredentialsError, ScanEndpointError, ScanError
from autcloud.scanner.output import OutputFolderError, WrittenScan, check_output_folder, write_scan
from autcloud.scanner.runner import ScanOptions, ScanResult, TagFilter, scan

__all__ = [
    "OutputFolderError",
    "ScanCredentialsError",
    "ScanEndpointError",
    "ScanError",
    "ScanOptions",
    "ScanResult",
    "TagFilter",
    "WrittenScan",
    "check_output_folder",
    "scan",
    "write_scan",
]
