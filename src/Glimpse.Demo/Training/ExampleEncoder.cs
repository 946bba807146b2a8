using System.Collections.Concurrent;
using Glimpse.Demo.Questions;
using Glimpse.Demo.Scenes;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;

namespace Glimpse.Demo.Training;

/// <summary>
/// An item as the model sees it: processed pixels [3, H, W], the prompt ids, the answer ids ending with EOS, and the
/// per-patch shape and colour targets of the auxiliary loss (<see cref="PatchLabels"/>).
/// </summary>
public sealed record EncodedExample(GroundedItem Item, float[] Pixels, long[] PromptIds, long[] AnswerIds, long[] PatchShapes, long[] PatchColors);

/// <summary>
/// Turns items into model inputs with the model folder's own tokenizer, image processor and chat template, so training
/// sees exactly what <c>VisionLanguageRuntime</c> will give the model at run time.
/// </summary>
public sealed class ExampleEncoder(TextTokenizer tokenizer, IImageProcessor processor, IChatTemplate template, int imageTokens, long eosId, int patchSize)
{
    // Questions and answers repeat endlessly; tokenizing each once keeps the training loop on the model.
    private readonly ConcurrentDictionary<string, long[]> _prompts = new();
    private readonly ConcurrentDictionary<string, long[]> _answers = new();

    public EncodedExample Encode(GroundedItem item)
    {
        using var processed = processor.Process(SceneRenderer.Render(item.Scene));
        var pixels = processed.PixelValues.data<float>().ToArray();
        var prompt = _prompts.GetOrAdd(item.Question, q => template.Build(tokenizer, q, imageTokens).InputIds);
        var answer = _answers.GetOrAdd(item.Answer, a => [.. tokenizer.Encode(a, addSpecialTokens: false), eosId]);
        var (shapes, colors) = PatchLabels.Of(item.Scene, patchSize);
        return new EncodedExample(item, pixels, prompt, answer, shapes, colors);
    }
}
