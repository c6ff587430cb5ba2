"""The service's routes, a module per resource, each an `APIRouter` that reaches the store and the
caller through `complaintflow.service.access`."""
