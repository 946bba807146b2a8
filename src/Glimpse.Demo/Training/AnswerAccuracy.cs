using System.Text;
using System.Text.RegularExpressions;
using Glimpse.Core.Images;
using Glimpse.Demo.Questions;
using Glimpse.Demo.Scenes;
using Glimpse.Model;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Demo.Training;

/// <summary>Exact-answer accuracy overall and per question kind.</summary>
public sealed record AccuracyReport(IReadOnlyDictionary<QuestionKind, (int Correct, int Total)> PerKind)
{
    public int Correct => PerKind.Values.Sum(v => v.Correct);
    public int Total => PerKind.Values.Sum(v => v.Total);
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    public static AccuracyReport From(IEnumerable<(QuestionKind Kind, bool Correct)> outcomes) => new(outcomes
        .GroupBy(o => o.Kind)
        .OrderBy(g => g.Key)
        .ToDictionary(g => g.Key, g => (g.Count(o => o.Correct), g.Count())));

    /// <summary>"97.2 % (486/500); color 100.0 %, shape 98.0 %, …"</summary>
    public override string ToString()
    {
        var text = new StringBuilder($"{100 * Accuracy:F1} % ({Correct}/{Total})");
        foreach (var (kind, (correct, total)) in PerKind) text.Append($"; {kind.Tag()} {100.0 * correct / total:F1} %");
        return text.ToString();
    }
}

/// <summary>
/// Whether the model gives the expected answer. Answers are compared after <see cref="Normalize"/>. Two ways of
/// asking: greedy generation through the runtime (what a user gets), and teacher forcing on a batch, which is the same
/// question answered faster — greedy decoding reproduces the expected answer exactly when, fed the expected prefix,
/// the model's top token is the expected one at every step, EOS included.
/// </summary>
public static class AnswerAccuracy
{
    private static readonly Regex SpaceBeforePunctuation = new(@"\s+([.,?!])", RegexOptions.CultureInvariant);
    private static readonly Regex Spaces = new(@"\s+", RegexOptions.CultureInvariant);

    /// <summary>Lower case, single spaces, no space before punctuation, trimmed.</summary>
    public static string Normalize(string answer) =>
        SpaceBeforePunctuation.Replace(Spaces.Replace(answer.Trim(), " "), "$1").ToLowerInvariant();

    public static bool Matches(string answer, string expected) => Normalize(answer) == Normalize(expected);

    /// <summary>Per example: every answer position's top token is the label.</summary>
    public static bool[] TeacherForcedExact(LlavaModel model, TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var predicted = BatchedLlavaForward.Logits(model, batch.Pixels, batch.Ids).argmax(-1);
        var right = (predicted == batch.Labels).logical_or(batch.Labels == TrainingBatch.Ignored).all(1);
        return right.data<bool>().ToArray();
    }

    public static AccuracyReport TeacherForced(LlavaModel model, IReadOnlyList<EncodedExample> examples, int batchSize, long padId, int imageSize)
    {
        var outcomes = new List<(QuestionKind, bool)>();
        foreach (var chunk in examples.Chunk(batchSize))
        {
            var exact = CollectorPause.Run(() =>
            {
                using var batch = TrainingBatch.Stack(chunk, padId, imageSize);
                return TeacherForcedExact(model, batch);
            });
            outcomes.AddRange(chunk.Select((e, i) => (e.Item.Kind, exact[i])));
        }
        return AccuracyReport.From(outcomes);
    }

    /// <summary>Answers each item with greedy decoding, as <c>glimpse generate</c> would, and compares.</summary>
    public static AccuracyReport Greedy(VisionLanguageRuntime runtime, IReadOnlyList<GroundedItem> items, Action<int>? progress = null)
    {
        var outcomes = new List<(QuestionKind, bool)>();
        foreach (var item in items)
        {
            outcomes.Add((item.Kind, Matches(AnswerOf(runtime, SceneRenderer.Render(item.Scene), item.Question), item.Answer)));
            progress?.Invoke(outcomes.Count);
        }
        return AccuracyReport.From(outcomes);
    }

    public static string AnswerOf(VisionLanguageRuntime runtime, RgbImage image, string question) => CollectorPause.Run(() =>
    {
        using var prompt = runtime.Prepare(image, question);
        using var answer = runtime.Answer(prompt, new GenerationOptions { MaxNewTokens = 24 });
        return answer.Text;
    });
}
