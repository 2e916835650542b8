"""qa-audio: quality assurance for recorded Mandarin customer-service calls.

    from qa_audio import Analyzer, AnalysisConfig
    result = Analyzer(AnalysisConfig()).analyze("call.wav")
    print(result.scorecard.score)

`Analyzer` and `AnalysisConfig` load lazily: `import qa_audio` stays cheap for the CLI.
"""

__version__ = "0.1.0"
__all__ = ["AnalysisConfig", "Analyzer", "CallResult", "score"]


def __getattr__(name: str):
    if name in __all__:
        from . import analyzer

        return getattr(analyzer, name)
    raise AttributeError(f"module 'qa_audio' has no attribute {name!r}")
