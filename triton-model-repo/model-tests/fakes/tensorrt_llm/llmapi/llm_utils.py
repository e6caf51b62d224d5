"""Fake of tensorrt_llm.llmapi.llm_utils.update_llm_args_with_extra_dict: merges model.yaml's keys."""


def update_llm_args_with_extra_dict(llm_args, extra):
    merged = dict(llm_args)
    merged.update(extra)
    return merged
