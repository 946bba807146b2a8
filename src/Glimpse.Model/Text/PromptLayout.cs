namespace Glimpse.Model.Text;

/// <summary>
/// A prompt ready for the model, with every position sorted into exactly one of three sets (0-based, ascending).
/// </summary>
/// <param name="InputIds">The prompt's token ids after the image placeholder was expanded.</param>
/// <param name="ImagePositions">V: the image-token positions, whose embeddings the vision features replace.</param>
/// <param name="QuestionPositions">P: the tokens of the user's question only, GLIMPSE's prompt map.</param>
/// <param name="TemplatePositions">Everything else: BOS, role words, chat markers, vision start/end.</param>
/// <param name="Text">The rendered prompt before expansion (empty for a <see cref="RawPrompt"/>, which starts from ids).</param>
public sealed record PromptLayout(
    long[] InputIds,
    int[] ImagePositions,
    int[] QuestionPositions,
    int[] TemplatePositions,
    string Text);
