"""The desk's pages, a module per resource, each an APIRouter the desk includes."""
