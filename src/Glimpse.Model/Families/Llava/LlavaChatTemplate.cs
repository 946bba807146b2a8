using Glimpse.Model.Text;

namespace Glimpse.Model.Families.Llava;

/// <summary>
/// LLaVA-1.5: <c>USER: &lt;image&gt;\n{question} ASSISTANT:</c>, with BOS from the tokenizer's post-processor and
/// <c>&lt;image&gt;</c> expanded to one token per image feature (LLaVA's image_seq_length).
/// </summary>
/// <param name="imageTokenId">The config's image_token_index, checked against the tokenizer's "&lt;image&gt;"; null to take the tokenizer's.</param>
public sealed class LlavaChatTemplate(long? imageTokenId = null) : IChatTemplate
{
    public const string ImagePlaceholder = "<image>";

    public PromptLayout Build(TextTokenizer tokenizer, string question, int imageTokenCount) =>
        QuestionPrompt.Build(
            tokenizer,
            prefix: $"USER: {ImagePlaceholder}\n",
            question,
            suffix: " ASSISTANT:",
            ImagePlaceholder,
            imageTokenId,
            templateTokens: [],
            imageTokenCount);
}
