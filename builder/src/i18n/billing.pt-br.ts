/** Textos em português do Brasil da compra de créditos. */
import type { billingEn } from './billing.en';

export const billingPtBR = {
  'billing.package': 'Pacote',
  'billing.method': 'Forma de pagamento',
  'billing.method.PIX': 'PIX',
  'billing.method.BOLETO': 'Boleto',
  'billing.method.CREDIT_CARD': 'Cartão de crédito',
  'billing.cpfCnpj': 'CPF ou CNPJ',
  'billing.cpfCnpjHelp': 'O Asaas precisa dele para emitir a cobrança: 11 dígitos (CPF) ou 14 dígitos (CNPJ).',
  'billing.pay': 'Gerar cobrança',
  'billing.pixQr': 'QR Code PIX',
  'billing.pixCode': 'Código PIX copia e cola',
  'billing.copy': 'Copiar',
  'billing.copied': 'Copiado.',
  'billing.invoice': 'Abrir a fatura',
  'billing.bankSlip': 'Abrir o boleto',
  'billing.chargeText': 'Cobrança de {price} por {credits} créditos, com vencimento em {dueDate}.',
  'billing.waiting': 'Aguardando o pagamento. Seu saldo é atualizado aqui quando o Asaas confirmar.',
  'billing.paid': 'Pagamento recebido: seu saldo agora é de {balance} créditos.',
} satisfies Record<keyof typeof billingEn, string>;
