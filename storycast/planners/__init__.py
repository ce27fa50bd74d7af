"""Story planners: the shared interface (`base`) and the embedded `template` grammar."""
from storycast.planners.base import PlanError, Planner, StoryRequest, validate_story

__all__ = ["PlanError", "Planner", "StoryRequest", "validate_story"]
