using System.Diagnostics;
using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Results;
using Glimpse.Model;
using Glimpse.Model.Generation;
using TorchSharp;

namespace Glimpse.Explain;

/// <summary>One image, one question, one method.</summary>
public sealed record ExplainRequest(RgbImage Image, string Question, IExplainer Explainer)
{
    public int MaxNewTokens { get; init; } = 32;
    public bool PerTokenMaps { get; init; }
    /// <summary>Sampling and stopping; greedy by default.</summary>
    public GenerationOptions Generation { get; init; } = new();
    /// <summary>The precision the model must have been loaded in (<see cref="ModelLoadOptions.For"/>); a host that keeps
    /// models warm picks the runtime by it, and <see cref="ExplainRun.Execute"/> refuses a runtime in another one.</summary>
    public ModelPrecision Precision { get; init; } = ModelPrecision.Float32;
}

public enum ExplainStep { Generate, Explain }

/// <summary>An explanation with the original image it is drawn over (the result's layout places its maps there).</summary>
public sealed record ExplainOutcome(ExplanationResult Result, RgbImage Image);

/// <summary>
/// The whole explain job on an open runtime, shared by the command line and the pipeline worker: prepare the prompt,
/// generate the answer (the vision tower runs once), explain it, and dress the result.
/// </summary>
public static class ExplainRun
{
    public static ExplainOutcome Execute(VisionLanguageRuntime runtime, ExplainRequest request, Action<ExplainStep, double>? progress = null,
        CancellationToken cancellation = default)
    {
        var total = Stopwatch.StartNew();
        string loaded = ModelLoadOptions.PrecisionName(runtime.Model.DType);
        if (loaded != request.Precision.Name())
            throw new ArgumentException($"The request asks for precision {request.Precision.Name()}, but the model was loaded in {loaded}.");
        using var prompt = runtime.Prepare(request.Image, request.Question);
        progress?.Invoke(ExplainStep.Generate, 0);
        using var features = EncodeImage(runtime, prompt);
        using var answer = runtime.Answer(prompt, request.Generation with { MaxNewTokens = request.MaxNewTokens, ImageFeatures = features });
        double generateSeconds = (answer.Generation.PrefillTime + answer.Generation.DecodeTime).TotalSeconds;
        cancellation.ThrowIfCancellationRequested();

        progress?.Invoke(ExplainStep.Explain, 0);
        ProcessMemory.ResetPeak();
        var subject = ExplanationSubject.From(runtime, prompt, answer, features);
        var relevance = request.Explainer.Explain(subject, new InlineProgress(f => progress?.Invoke(ExplainStep.Explain, f)), cancellation);
        long peak = ProcessMemory.Peak();

        var timings = new ExplanationTimings(generateSeconds, relevance.ForwardSeconds, relevance.GradientSeconds, total.Elapsed.TotalSeconds);
        var result = ExplanationBuilder.Build(runtime, prompt, answer, request.Explainer, relevance, timings, peak, request.PerTokenMaps);
        return new ExplainOutcome(result, request.Image);
    }

    private static torch.Tensor EncodeImage(VisionLanguageRuntime runtime, PreparedPrompt prompt)
    {
        using var noGrad = torch.no_grad();
        return runtime.Model.EncodeImage(prompt.ModelInput);
    }

    /// <summary>Reports on the caller's thread, in order (System.Progress posts to the thread pool and may arrive late).</summary>
    private sealed class InlineProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
