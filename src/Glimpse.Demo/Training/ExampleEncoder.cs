using System.Collections.Concurrent;
using Glimpse.Demo.Questions;
using Glimpse.Demo.Scenes;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;

namespace Glimpse.Demo.Training;

/// <summary>
/// An item as the model sees it: processed pixels [3, H, W]; the token ids; per position the token it must predict
/// (an answer token or EOS) or <see cref="TrainingBatch.Ignored"/>; and the per-patch shape and colour targets of the
/// auxiliary loss (<see cref="PatchLabels"/>).
/// </summary>
public sealed record EncodedExample(GroundedItem Item, float[] Pixels, long[] Ids, long[] Labels, long[] PatchShapes, long[] PatchColors);

/// <summary>
/// Turns items into model inputs with the model folder's own tokenizer, image processor and chat template, so the first
/// turn is exactly what <c>VisionLanguageRuntime</c> gives the model at run time. Follow-up questions about the same
/// image continue the conversation as LLaVA-1.5 writes one ("… ASSISTANT: answer&lt;/s&gt;USER: question ASSISTANT:"),
/// which lets training read several answers per encoded image.
/// </summary>
public sealed class ExampleEncoder(TextTokenizer tokenizer, IImageProcessor processor, IChatTemplate template, int imageTokens, long eosId, int patchSize)
{
    // Questions and answers repeat endlessly; tokenizing each once keeps the training loop on the model.
    private readonly ConcurrentDictionary<string, long[]> _prompts = new();
    private readonly ConcurrentDictionary<string, long[]> _turns = new();
    private readonly ConcurrentDictionary<string, long[]> _answers = new();

    /// <summary>A scene's processed pixels [3, H, W] and its per-patch targets, without text: the vision warm-up's input.</summary>
    public (float[] Pixels, long[] PatchShapes, long[] PatchColors) EncodeScene(Scene scene)
    {
        using var processed = processor.Process(SceneRenderer.Render(scene));
        var (shapes, colors) = PatchLabels.Of(scene, patchSize);
        return (processed.PixelValues.data<float>().ToArray(), shapes, colors);
    }

    public EncodedExample Encode(GroundedItem item, IReadOnlyList<SceneQuestion>? followUps = null)
    {
        var (pixels, shapes, colors) = EncodeScene(item.Scene);
        var ids = new List<long>();
        var labels = new List<long>();
        void Context(long[] tokens)
        {
            ids.AddRange(tokens);
            labels.AddRange(Enumerable.Repeat(TrainingBatch.Ignored, tokens.Length));
        }
        void Answer(string answer)
        {
            // Each answer token is the target of the position before it.
            foreach (long token in _answers.GetOrAdd(answer, a => [.. tokenizer.Encode(a, addSpecialTokens: false), eosId]))
            {
                labels[^1] = token;
                ids.Add(token);
                labels.Add(TrainingBatch.Ignored);
            }
        }
        Context(_prompts.GetOrAdd(item.Question, q => template.Build(tokenizer, q, imageTokens).InputIds));
        Answer(item.Answer);
        foreach (var followUp in followUps ?? [])
        {
            Context(_turns.GetOrAdd(followUp.Question, q => tokenizer.Encode($"USER: {q} ASSISTANT:", addSpecialTokens: false)));
            Answer(followUp.Answer);
        }
        return new EncodedExample(item, pixels, [.. ids], [.. labels], shapes, colors);
    }
}
