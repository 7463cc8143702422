namespace Bert.Gpu.Tokenization.PostProcessors;

/// <summary>One piece of a TemplateProcessing template: a sequence ($A / $B) or a special token's ids, with a type id.</summary>
/// <param name="Sequence">0 for $A, 1 for $B, or -1 for special tokens.</param>
/// <param name="Ids">The special token's ids (empty for a sequence).</param>
/// <param name="TypeId">The type id of every token the piece produces.</param>
internal sealed record TemplatePiece(int Sequence, int[] Ids, int TypeId);
