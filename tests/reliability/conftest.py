from reliability_util import lecture  # noqa: F401 - the shared fixture
