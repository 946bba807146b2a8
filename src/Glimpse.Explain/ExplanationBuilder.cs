using Glimpse.Core.Results;
using Glimpse.Model;

namespace Glimpse.Explain;

/// <summary>Dresses an explainer's numbers with the prompt's and answer's tokens and text.</summary>
public static class ExplanationBuilder
{
    public static ExplanationResult Build(VisionLanguageRuntime runtime, PreparedPrompt prompt, Answer answer, IExplainer explainer,
        Relevance relevance, ExplanationTimings timings, long peakMemoryBytes, bool includePerTokenMaps)
    {
        var layout = prompt.Layout;
        var questionIndex = layout.QuestionPositions.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        var image = layout.ImagePositions.ToHashSet();
        var tokenizer = runtime.Tokenizer;

        var promptTokens = layout.InputIds.Select((id, position) =>
        {
            string role = questionIndex.ContainsKey(position) ? "question"
                : image.Contains(position) ? "image"
                : position == 0 && id == tokenizer.BosId ? "bos"
                : "template";
            double? saliency = relevance.PromptMap is { } map && questionIndex.TryGetValue(position, out int i) ? map[i] : null;
            return new PromptToken(position, id, tokenizer.TokenText(id), role, saliency);
        }).ToList();

        var answerTokens = answer.Generation.NewTokens.Select((id, t) => new AnswerToken(
            answer.AnswerPositions[t], id, tokenizer.TokenText(id),
            relevance.VisualWeights[t], relevance.PromptWeights[t], relevance.JointRelevance[t], relevance.Probabilities[t])).ToList();

        var warnings = relevance.Warnings.ToList();
        if (answer.Generation.FinishReason == Model.Generation.FinishReason.ContextFull)
            warnings.Add("The answer was cut short by the model's context length.");
        return new ExplanationResult
        {
            Model = new ModelSummary(Path.GetFileName(Path.TrimEndingDirectorySeparator(runtime.Directory)), runtime.Model.Config.ModelType,
                runtime.Model.DType.ToString().ToLowerInvariant(), runtime.Model.Device.type.ToString().ToLowerInvariant()),
            Method = explainer.Method,
            Approximate = explainer.Approximate,
            // The precision is a property of the run, not of the method: every method's options record it.
            Options = new SortedDictionary<string, string>(relevance.Options.ToDictionary())
            {
                ["precision"] = ModelLoadOptions.PrecisionName(runtime.Model.DType),
            },
            Question = prompt.Question,
            Answer = answer.Text,
            PromptTokens = promptTokens,
            AnswerTokens = answerTokens,
            ImageMap = new ImageTokenMap(prompt.ImageTokens, relevance.ImageMap),
            PerTokenMaps = includePerTokenMaps ? relevance.TokenImageMaps.Select(m => new ImageTokenMap(prompt.ImageTokens, m)).ToList() : null,
            Timings = timings,
            PeakMemoryBytes = peakMemoryBytes,
            Warnings = warnings,
        };
    }
}
